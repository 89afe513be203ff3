/*
 * sam/pack: a function's CodeUri or a layer's ContentUri as the zip the
 * Lambda API takes, and its CodeSha256.  A .zip file is taken as it is; a
 * folder is zipped the same way every time (names sorted, one fixed
 * date, the Unix modes kept), so an unchanged folder has an unchanged
 * CodeSha256 and a second deploy changes nothing.
 */
#ifndef SAM_PACK_H
#define SAM_PACK_H

#include <stddef.h>

struct sam_pack {
	unsigned char	*zip;
	size_t		 len;
	char		 sha256[48];	/* base64 of the SHA-256, as Lambda's */
};

/* path relative to dir unless absolute.  0, or -1 with err. */
int	sam_pack_load(const char *dir, const char *path, struct sam_pack *p,
	    char *err, size_t errlen);
void	sam_pack_clear(struct sam_pack *p);
/* The zip in base64, for Code.ZipFile (malloc'd). */
char	*sam_pack_base64(const struct sam_pack *p);

#endif
