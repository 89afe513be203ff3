/*
 * file: Buckets' data files, on libuv's threadpool (or a store thread for
 * a link).  An object's bytes are a file dir/data/XX/ID (ID 32 random hex
 * digits, XX its first two); it is written under dir/tmp, fsynced, and
 * renamed into place, its folder fsynced, before the metadata names it.
 * Files are never changed once in place; a new version is a new file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fs.h"
#include "http.h"
#include "tables/crc32.h"

#include "bucket_int.h"

#define COPY_BUF	(1024 * 1024)

static void
new_name(char rel[80])
{
	char id[33];

	s3_random_hex(id, 16);
	snprintf(rel, 80, "data/%.2s/%s", id, id);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* tmp (an open fd, written) into its place rel: fsync, rename, fsync. */
static int
file_place(const char *dir, int fd, const char *tmp, const char *rel)
{
	char path[4200], sub[4200];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(sub, sizeof(sub), "%s/%.7s", dir, rel);
	if (fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && (rc = fs_mkdir_p(sub, 0700)) == 0 &&
	    rename(tmp, path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fs_fsync_dir(sub);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int
tmp_open(const char *dir, const char *rel, char tmp[4200])
{
	int fd;

	snprintf(tmp, 4200, "%s/tmp/%s", dir, rel + 8);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -errno;
	return fd;
}

int
s3_file_write(const char *dir, const void *data, size_t n, char rel[80])
{
	char tmp[4200];
	int fd, rc;

	new_name(rel);
	if ((fd = tmp_open(dir, rel, tmp)) < 0)
		return fd;
	if ((rc = write_all(fd, data, n)) != 0) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	return file_place(dir, fd, tmp, rel);
}

int
s3_file_open(const char *dir, const char *rel)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return fd;
}

int
s3_file_read(const char *dir, const char *rel, uint64_t off, uint64_t len,
    struct buf *out)
{
	char path[4200];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	buf_reserve(out, (size_t)len + 1);
	while (len > 0) {
		if ((r = pread(fd, out->data + out->len, (size_t)len,
		    (off_t)off)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			close(fd);
			return r < 0 ? -errno : -EIO;
		}
		out->len += (size_t)r;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	out->data[out->len] = '\0';
	close(fd);
	return 0;
}

int
s3_file_link(const char *dir, const char *rel, char out[80])
{
	char from[4200], to[4200], sub[4200];
	int rc;

	new_name(out);
	snprintf(from, sizeof(from), "%s/%s", dir, rel);
	snprintf(to, sizeof(to), "%s/%s", dir, out);
	snprintf(sub, sizeof(sub), "%s/%.7s", dir, out);
	if ((rc = fs_mkdir_p(sub, 0700)) != 0)
		return rc;
	if (link(from, to) != 0)
		return -errno;
	return fs_fsync_dir(sub);
}

int
s3_file_concat(const char *dir, const struct buf *list, char rel[80])
{
	char tmp[4200], path[4200], *b;
	const char *p, *end = list->data + list->len;
	ssize_t r;
	int fd, in, rc = 0;

	new_name(rel);
	if ((fd = tmp_open(dir, rel, tmp)) < 0)
		return fd;
	if ((b = malloc(COPY_BUF)) == NULL)
		abort();
	for (p = list->data; rc == 0 && p != NULL && p < end;
	    p += strlen(p) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = -errno;
			break;
		}
		while (rc == 0 && (r = read(in, b, COPY_BUF)) != 0) {
			if (r < 0)
				rc = errno == EINTR ? 0 : -errno;
			else
				rc = write_all(fd, b, (size_t)r);
		}
		close(in);
	}
	free(b);
	if (rc != 0) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	return file_place(dir, fd, tmp, rel);
}

int
s3_file_copy(const char *dir, int fd, uint64_t off, uint64_t len,
    char rel[80], char md5[33])
{
	static const char hx[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char tmp[4200], *b;
	EVP_MD_CTX *ctx;
	ssize_t r;
	unsigned i, mdlen = 0;
	int out, rc = 0;

	new_name(rel);
	if ((out = tmp_open(dir, rel, tmp)) < 0)
		return out;
	if ((b = malloc(COPY_BUF)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	while (rc == 0 && len > 0) {
		r = pread(fd, b, len < COPY_BUF ? (size_t)len : COPY_BUF,
		    (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			break;
		}
		EVP_DigestUpdate(ctx, b, (size_t)r);
		rc = write_all(out, b, (size_t)r);
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	free(b);
	if (rc != 0) {
		close(out);
		unlink(tmp);
		return rc;
	}
	for (i = 0; i < 16; i++) {
		md5[2 * i] = hx[md[i] >> 4];
		md5[2 * i + 1] = hx[md[i] & 15];
	}
	md5[32] = '\0';
	return file_place(dir, out, tmp, rel);
}

void
s3_file_unlink(const char *dir, const struct buf *list)
{
	const char *p, *end = list->data + list->len;
	char path[4200];

	for (p = list->data; p != NULL && p < end; p += strlen(p) + 1) {
		if (*p == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		(void)unlink(path);
	}
}

int
s3_file_init(const char *dir)
{
	char path[4200];
	struct dirent *de;
	DIR *d;
	int rc;

	snprintf(path, sizeof(path), "%s/data", dir);
	if ((rc = fs_mkdir_p(path, 0700)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/tmp", dir);
	if ((rc = fs_mkdir_p(path, 0700)) != 0)
		return rc;
	/* Uploads a crash cut short: never visible, removed now. */
	if ((d = opendir(path)) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return 0;
}

/* ---- digests -------------------------------------------------------------- */

static void
hexs(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static unsigned
digest(const EVP_MD *md, const void *p, size_t n, unsigned char out[64])
{
	unsigned len = 0;

	EVP_Digest(p, n, out, &len, md, NULL);
	return len;
}

void
s3_md5_hex(const void *p, size_t n, char out[33])
{
	unsigned char md[64];

	digest(EVP_md5(), p, n, md);
	hexs(md, 16, out);
}

/* The base64 of what algorithm name gives for the body. */
static int
checksum_of(const char *name, const void *p, size_t n, struct buf *out)
{
	unsigned char md[64], be[4];
	unsigned len;
	uint32_t c;

	buf_reset(out);
	if (strcmp(name, "crc32") == 0 || strcmp(name, "crc32c") == 0) {
		c = name[5] == 'c' ? crc32c_update(0, p, n) :
		    crc32_update(0, p, n);
		be[0] = (unsigned char)(c >> 24), be[1] = (unsigned char)(c >> 16);
		be[2] = (unsigned char)(c >> 8), be[3] = (unsigned char)c;
		buf_base64(out, be, 4);
	} else if (strcmp(name, "sha256") == 0 || strcmp(name, "sha1") == 0) {
		len = digest(name[3] == '2' ? EVP_sha256() : EVP_sha1(), p, n,
		    md);
		buf_base64(out, md, len);
	} else
		return -1;
	return 0;
}

/* One x-amz-checksum-NAME: VALUE, from a header or the trailer. */
static int
check_one(struct s3_job *j, const char *name, const char *v, size_t vn)
{
	struct buf want;

	buf_init(&want);
	if (checksum_of(name, j->body, j->body_len, &want) != 0) {
		buf_free(&want);
		return 0;	/* crc64nvme and the like: not checked */
	}
	if (want.len != vn || memcmp(want.data, v, vn) != 0) {
		s3_fail(j, S3E_BAD_DIGEST, "The %s you specified did not "
		    "match the calculated checksum.", name);
		buf_free(&want);
		return -1;
	}
	buf_printf(&j->obj.meta, "x-amz-checksum-%s: %s\n", name, want.data);
	buf_free(&want);
	return 0;
}

static int
check_md5(struct s3_job *j, const unsigned char md[16])
{
	struct buf want, got;
	size_t n;
	const char *v = http_header_get(j->req, "Content-MD5", &n);
	int rc = 0;

	if (v == NULL)
		return 0;
	buf_init(&want);
	buf_init(&got);
	if (buf_unbase64(&got, v, n) != 0 || got.len != 16) {
		s3_fail(j, S3E_INVALID_DIGEST, NULL);
		rc = -1;
	} else if (memcmp(got.data, md, 16) != 0) {
		s3_fail(j, S3E_BAD_DIGEST, NULL);
		rc = -1;
	}
	buf_free(&want);
	buf_free(&got);
	return rc;
}

int
s3_check_body(struct s3_job *j)
{
	const struct http_request *r = j->req;
	unsigned char md[64];
	const char *p, *e, *c;
	char hex[65];
	size_t i;

	digest(EVP_md5(), j->body, j->body_len, md);
	hexs(md, 16, j->obj.etag);
	if (check_md5(j, md) != 0)
		return -1;
	if (strlen(j->sig.payload) == 64 && !j->chunked) {
		digest(EVP_sha256(), j->body, j->body_len, md);
		hexs(md, 32, hex);
		if (strcasecmp(hex, j->sig.payload) != 0) {
			s3_fail(j, S3E_SHA256, NULL);
			return -1;
		}
	}
	for (i = 0; i < r->nheaders; i++) {
		const struct http_header *h = &r->headers[i];
		char name[16];

		if (h->name_len <= 15 || h->name_len >= 15 + sizeof(name) ||
		    strncasecmp(h->name, "x-amz-checksum-", 15) != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(h->name_len - 15),
		    h->name + 15);
		for (c = name; *c != '\0'; c++)
			name[c - name] = (char)tolower((unsigned char)*c);
		if (strcmp(name, "type") != 0 && strcmp(name, "algorithm") != 0 &&
		    check_one(j, name, h->value, h->value_len) != 0)
			return -1;
	}
	for (p = j->trailers.data; p != NULL && *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, "x-amz-checksum-", 15) != 0 ||
		    (c = memchr(p, ':', (size_t)(e - p))) == NULL ||
		    c - p - 15 >= 16)
			continue;
		{
			char name[16];

			snprintf(name, sizeof(name), "%.*s", (int)(c - p - 15),
			    p + 15);
			if (check_one(j, name, c + 1, (size_t)(e - c - 1)) != 0)
				return -1;
		}
	}
	return 0;
}
