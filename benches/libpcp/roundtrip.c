/*
 * Round trips per second on one PCP connection through Pgpool's own C library (libpcp),
 * the anchor our Rust client is measured against.
 *
 * usage: roundtrip HOST PORT USER PASSWORD COMMAND ITERATIONS
 *   COMMAND: node-count | node-info   (node-info asks for node 0)
 * prints:  libpcp COMMAND ITERATIONS SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>

/* Debian's libpcp_ext.h uses Pgpool's own integer type names without defining them. */
typedef uint64_t uint64;

#include <pgpool2/libpcp_ext.h>

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	PCPConnInfo *conn;
	long iterations;
	int node_info;
	double started;

	if (argc != 7)
	{
		fprintf(stderr, "usage: %s HOST PORT USER PASSWORD node-count|node-info ITERATIONS\n", argv[0]);
		return 2;
	}
	node_info = strcmp(argv[5], "node-info") == 0;
	iterations = atol(argv[6]);

	conn = pcp_connect(argv[1], atoi(argv[2]), argv[3], argv[4], NULL);
	if (PCPConnectionStatus(conn) != PCP_CONNECTION_OK)
	{
		fprintf(stderr, "connect: %s\n", pcp_get_last_error(conn));
		return 1;
	}

	started = now_seconds();
	for (long i = 0; i < iterations; i++)
	{
		PCPResultInfo *res = node_info ? pcp_node_info(conn, 0) : pcp_node_count(conn);

		if (res == NULL || PCPResultStatus(res) != PCP_RES_COMMAND_OK)
		{
			fprintf(stderr, "command failed: %s\n", pcp_get_last_error(conn));
			return 1;
		}
		pcp_free_result(conn);
	}
	printf("libpcp %s %ld %.6f\n", argv[5], iterations, now_seconds() - started);
	pcp_disconnect(conn);
	return 0;
}
