/*
 * sam/pack: zips made from folders, deterministically (pack.h), with
 * libzip into memory; the digest and base64 from libcrypto.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zip.h>

#include "sam/pack.h"

/* 1980-01-01 00:00, the first date DOS time has. */
#define FIXED_DOSDATE	((0 << 9) | (1 << 5) | 1)
#define FIXED_DOSTIME	0
#define MAX_FILE	(256 * 1024 * 1024)

static unsigned char *
file_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *b = NULL;
	size_t n = 0;
	ssize_t k;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size <= MAX_FILE &&
	    (b = malloc((size_t)st.st_size + 1)) != NULL)
		while (n < (size_t)st.st_size &&
		    (k = read(fd, b + n, (size_t)st.st_size - n)) > 0)
			n += (size_t)k;
	close(fd);
	*len = n;
	return b;
}

static int
pack_add(zip_t *za, const char *path, const char *name, mode_t mode)
{
	zip_source_t *src;
	unsigned char *data;
	zip_int64_t i;
	size_t len;

	if ((data = file_read(path, &len)) == NULL)
		return -1;
	if ((src = zip_source_buffer(za, data, len, 1)) == NULL) {
		free(data);
		return -1;
	}
	if ((i = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8)) < 0) {
		zip_source_free(src);
		return -1;
	}
	if (zip_file_set_dostime(za, (zip_uint64_t)i, FIXED_DOSTIME,
	    FIXED_DOSDATE, 0) != 0 ||
	    zip_file_set_external_attributes(za, (zip_uint64_t)i, 0,
	    ZIP_OPSYS_UNIX, (zip_uint32_t)(S_IFREG | (mode & 0777)) << 16) != 0)
		return -1;
	return 0;
}

/* Every regular file under dir/rel, in name order. */
static int
pack_dir(zip_t *za, const char *dir, const char *rel, int depth)
{
	struct dirent **ents;
	char path[4096], name[4096];
	struct stat st;
	int n, i, rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", dir, *rel ? "/" : "", rel);
	if (depth > 32 || (n = scandir(path, &ents, NULL, alphasort)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;

		if (rc == 0 && strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
			if (snprintf(name, sizeof(name), "%s%s%s", rel,
			    *rel ? "/" : "", e) >= (int)sizeof(name) ||
			    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
			    (int)sizeof(path) || stat(path, &st) != 0)
				rc = -1;
			else if (S_ISDIR(st.st_mode))
				rc = pack_dir(za, dir, name, depth + 1);
			else if (S_ISREG(st.st_mode))
				rc = pack_add(za, path, name, st.st_mode);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* The folder zipped into p->zip. */
static int
pack_folder(const char *dir, struct sam_pack *p)
{
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, NULL);
	zip_t *za;
	zip_stat_t st;

	if (src == NULL || (za = zip_open_from_source(src, ZIP_TRUNCATE,
	    NULL)) == NULL) {
		zip_source_free(src);
		return -1;
	}
	zip_source_keep(src);
	if (pack_dir(za, dir, "", 0) != 0 || zip_close(za) != 0) {
		zip_discard(za);
		zip_source_free(src);
		return -1;
	}
	if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0 ||
	    (p->zip = malloc(st.size + 1)) == NULL ||
	    zip_source_read(src, p->zip, st.size) != (zip_int64_t)st.size) {
		zip_source_free(src);
		return -1;
	}
	p->len = st.size;
	zip_source_close(src);
	zip_source_free(src);
	return 0;
}

int
sam_pack_load(const char *dir, const char *path, struct sam_pack *p,
    char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char full[4096];
	struct stat st;

	memset(p, 0, sizeof(*p));
	snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : dir,
	    path[0] == '/' ? "" : "/", path);
	if (stat(full, &st) != 0) {
		snprintf(err, errlen, "%s: %s", full, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode) ? pack_folder(full, p) != 0 :
	    (p->zip = file_read(full, &p->len)) == NULL) {
		snprintf(err, errlen, "%s: cannot %s it", full,
		    S_ISDIR(st.st_mode) ? "zip" : "read");
		sam_pack_clear(p);
		return -1;
	}
	EVP_Digest(p->zip, p->len, md, &mdlen, EVP_sha256(), NULL);
	EVP_EncodeBlock((unsigned char *)p->sha256, md, (int)mdlen);
	return 0;
}

void
sam_pack_clear(struct sam_pack *p)
{
	free(p->zip);
	memset(p, 0, sizeof(*p));
}

char *
sam_pack_base64(const struct sam_pack *p)
{
	char *s = malloc(p->len / 3 * 4 + 8);

	if (s != NULL)
		EVP_EncodeBlock((unsigned char *)s, p->zip, (int)p->len);
	return s;
}
