/*
 * uuid.h: version 4 UUIDs in their 36-character text form, for request
 * ids, schedule runs, table and function ids.  A leaf: no state of its
 * own, nothing of the gateway's below it.
 */
#ifndef LAMBDAD_UUID_H
#define LAMBDAD_UUID_H

/* 16 random bytes u as a version 4, variant 1 UUID, "xxxxxxxx-...". */
void	uuid_format(char out[37], const unsigned char u[16]);
/* A UUID from the kernel's random source (getrandom). */
void	uuid_random(char out[37]);

#endif
