/*
 * evstream: AWS's event-stream framing (application/vnd.amazon.eventstream),
 * as InvokeWithResponseStream answers in it and the SDKs' event-stream
 * codecs read it.  A message is
 *
 *	total length (u32) | headers length (u32) | prelude CRC-32 (u32)
 *	headers | payload | message CRC-32 (u32)
 *
 * all big-endian, the prelude CRC over its first 8 bytes and the message
 * CRC over everything before it (zlib's CRC-32).  A header is its name's
 * length (u8), the name, a type (7: string), the value's length (u16)
 * and the value; only string headers are written here.
 */
#ifndef LAMBDAD_EVSTREAM_H
#define LAMBDAD_EVSTREAM_H

#include <stddef.h>

#include "buf.h"

struct evs_header {
	const char	*name;
	const char	*value;
};

/* Append one message to out.  0, or -EINVAL for a name over 255 bytes, a
 * value over 65535, or a message over 16 MiB. */
int	evs_message(struct buf *out, const struct evs_header *h, size_t nh,
	    const void *payload, size_t n);
/* An event: :message-type event, :event-type type, :content-type ctype. */
int	evs_event(struct buf *out, const char *type, const char *ctype,
	    const void *payload, size_t n);

#endif
