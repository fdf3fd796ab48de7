/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP session (http_priv.h, gateway_http.c) against a small HTTP/1.1
 * server of this test's own on 127.0.0.1 that keeps connections open and
 * counts them: requests on one session share one connection (one-shot
 * sign_http__post() calls open one each); every request is still a
 * sign_http__post(): the answer and status, the size limit with its message,
 * no redirect followed, not made once cancellation is asked for; the session
 * goes on after a failed request. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_priv.h"
#include "libsign/cancel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_fd = -1;
static char base[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int accepted;            /* connections accepted, under mu */

/* Answer the requests of one connection until the client closes it:
 * POST /big a 3000-byte answer, POST /moved a redirect, else "answer". */
static void *
serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192], head[256], big[3000];
	size_t len = 0, hlen, blen, bodylen;
	const char *status, *body, *extra, *cl, *end;
	ssize_t r;

	memset(big, 'x', sizeof(big));
	buf[0] = '\0';
	for (;;) {
		for (;;) {      /* a whole request: its head and its body */
			end = strstr(buf, "\r\n\r\n");
			if (end != NULL) {
				hlen = (size_t)(end - buf) + 4;
				cl = strstr(buf, "Content-Length:");
				blen = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
				if (len >= hlen + blen)
					break;
			}
			if (len + 1 >= sizeof(buf))
				goto out;
			r = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (r <= 0)
				goto out;
			len += (size_t)r;
			buf[len] = '\0';
		}
		status = "200 OK";
		body = "answer";
		extra = "";
		if (strncmp(buf, "POST /big ", 10) == 0) {
			body = big;
		} else if (strncmp(buf, "POST /moved ", 12) == 0) {
			status = "302 Found";
			extra = "Location: /ok\r\n";
		}
		bodylen = body == big ? sizeof(big) : strlen(body);
		snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n",
		    status, extra, bodylen);
		if (write(fd, head, strlen(head)) < 0 || write(fd, body, bodylen) < 0)
			goto out;
		len -= hlen + blen;
		memmove(buf, buf + hlen + blen, len);
		buf[len] = '\0';
	}
out:
	close(fd);
	return NULL;
}

static void *
serve(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	while ((fd = accept(listen_fd, NULL, NULL)) >= 0) {
		pthread_mutex_lock(&mu);
		accepted++;
		pthread_mutex_unlock(&mu);
		if (pthread_create(&th, NULL, serve_conn, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(th);
	}
	return NULL;
}

static int
connections(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = accepted;
	pthread_mutex_unlock(&mu);
	return n;
}

static int
setup(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	pthread_t th;

	(void)state;
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(listen_fd, 16) != 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
	if (pthread_create(&th, NULL, serve, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

static int
post(sign_http__session *s, const char *path, size_t max, long *status, sign_buf *ans)
{
	char url[128];

	snprintf(url, sizeof(url), "%s%s", base, path);
	if (s == NULL)
		return sign_http__post(url, "the time-stamp server", "application/timestamp-query",
		    (const unsigned char *)"query", 5, max, 10000, status, ans);
	return sign_http__session_post(s, url, "the time-stamp server",
	    "application/timestamp-query", (const unsigned char *)"query", 5, max, 10000, status,
	    ans);
}

static void
skip_without_curl(int rc)
{
	if (rc == SIGN_ERR_NETWORK && strstr(sign_error_message(), "could not be loaded") != NULL)
		skip();
}

/* Five requests on a session: one connection; two one-shot requests: two. */
static void
test_reuse(void **state)
{
	sign_http__session *s = NULL;
	sign_buf ans = SIGN_BUF_INIT;
	long status = 0;
	int i, c0, rc;

	(void)state;
	assert_int_equal(sign_http__session_new(&s), 0);
	c0 = connections();
	for (i = 0; i < 5; i++) {
		rc = post(s, "/ok", 1024, &status, &ans);
		skip_without_curl(rc);
		assert_int_equal(rc, 0);
		assert_int_equal(status, 200);
		assert_int_equal(ans.len, 6);
		assert_memory_equal(ans.data, "answer", 6);
		sign_buf_dispose(&ans);
	}
	assert_int_equal(connections() - c0, 1);
	sign_http__session_free(s);

	c0 = connections();
	for (i = 0; i < 2; i++) {
		assert_int_equal(post(NULL, "/ok", 1024, &status, &ans), 0);
		assert_int_equal(status, 200);
		sign_buf_dispose(&ans);
	}
	assert_int_equal(connections() - c0, 2);
	sign_http__session_free(NULL);
}

/* A failed request (too large, a redirect, cancelled) is a sign_http__post()
 * failure, and the session is still good afterwards. */
static void
test_failures(void **state)
{
	sign_http__session *s = NULL;
	sign_buf ans = SIGN_BUF_INIT;
	long status = 0;
	int rc;

	(void)state;
	assert_int_equal(sign_http__session_new(&s), 0);
	rc = post(s, "/big", 1024, &status, &ans);
	skip_without_curl(rc);
	assert_int_equal(rc, SIGN_ERR_TOO_LARGE);
	assert_non_null(strstr(sign_error_message(), "is larger than 1024 bytes"));
	assert_null(ans.data);
	rc = post(NULL, "/big", 1024, &status, &ans);
	assert_int_equal(rc, SIGN_ERR_TOO_LARGE);

	/* no redirect followed: the 302 itself */
	assert_int_equal(post(s, "/moved", 1024, &status, &ans), 0);
	assert_int_equal(status, 302);
	sign_buf_dispose(&ans);

	sign_cancel_request();
	rc = post(s, "/ok", 1024, &status, &ans);
	assert_int_equal(rc, SIGN_ERR_CANCELLED);
	assert_non_null(strstr(sign_error_message(), "was not asked: interrupted"));
	sign_cancel_clear();

	assert_int_equal(post(s, "/ok", 1024, &status, &ans), 0);
	assert_int_equal(status, 200);
	assert_memory_equal(ans.data, "answer", 6);
	sign_buf_dispose(&ans);
	sign_http__session_free(s);

	assert_int_equal(sign_http__session_post(NULL, base, "x", "a/b",
	    (const unsigned char *)"", 0, 10, 1000, &status, &ans), SIGN_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
