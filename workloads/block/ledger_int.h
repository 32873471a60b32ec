/*
 * ledger_int.h - what ledger.c, witness.c, witness_client.c and ledger_check.c share: the
 * journal's bytes (a run header, then fixed-size records, each with its own checksum), its
 * parser, the append-only opener, and the witness's frames. docs/ack-ledger.md describes the
 * formats; this header is their one definition.
 *
 * Everything on disk and on the wire is little-endian. A journal is a sequence of runs: a run
 * header, then that run's 48-byte records, each naming its run by a tag (two writers may
 * append to one journal at once). A reader stops at the first header or record whose checksum
 * fails (a torn tail); a header repeated with the same run id continues that run (a writer
 * that reconnected to the witness, a journal reopened).
 */
#ifndef PVCBENCH_BLOCK_LEDGER_INT_H
#define PVCBENCH_BLOCK_LEDGER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

#define LEDGER_MAGIC "PVCACKL1" /* the first 8 bytes of every run header */
#define LEDGER_MAGIC_LEN 8
#define LEDGER_VERSION 1
#define LEDGER_RUN_ID_LEN 16
#define LEDGER_REC_SIZE 48
#define LEDGER_HDR_MAX (1u << 20) /* a run header, with its file names */
#define LEDGER_MAX_FILES 4096

enum ledger_kind { LEDGER_PRE = 1, LEDGER_POST = 2 };

/* A run as its header names it. names point into the parsed buffer (not terminated): lens. */
struct ledger_run {
	uint8_t id[LEDGER_RUN_ID_LEN];
	uint64_t start_ns; /* CLOCK_REALTIME when the writer opened the ledger */
	uint32_t nfiles;
	const char *names[LEDGER_MAX_FILES];
	uint32_t name_lens[LEDGER_MAX_FILES];
};

/* 0 when this build has the ledger (libxxhash), else -ENOTSUP with one line in err. */
int ledger_available(char *err, size_t err_size);

/* The bytes of a run header for these files (malloc'd into *out). 0 or -errno. */
int ledger_hdr_encode(const uint8_t id[LEDGER_RUN_ID_LEN], uint64_t start_ns,
		      const char *const *files, unsigned nfiles, uint8_t **out, size_t *len);
/* One record's 48 bytes, with its run's tag and its checksum. */
void ledger_rec_encode(uint8_t *out, enum ledger_kind kind, uint32_t run_tag,
		       const struct blk_ledger_rec *r);
/* 0 (rec, *kind and *run_tag filled) or -EINVAL when the checksum or the kind is wrong. */
int ledger_rec_decode(const uint8_t *in, enum ledger_kind *kind, uint32_t *run_tag,
		      struct blk_ledger_rec *r);
/* A run's tag in its records: the first 4 bytes of its id. */
uint32_t ledger_run_tag(const uint8_t id[LEDGER_RUN_ID_LEN]);

/* What the parser found, in order: run is called at each header and whenever the records
 * switch to another run. index: the record's position in the buffer (0, 1, ...). */
struct ledger_sink {
	int (*run)(void *arg, const struct ledger_run *run);
	int (*rec)(void *arg, enum ledger_kind kind, const struct blk_ledger_rec *r,
		   uint64_t index);
	void *arg;
};

/*
 * Parses buf: 0 with *valid_end the length of its valid prefix (a torn tail is left out), or
 * -EINVAL when buf does not start with a run header (not a ledger; an empty buf is a valid
 * empty ledger), or the first negative return of a sink callback. sink may be NULL.
 */
int ledger_parse(const uint8_t *buf, size_t len, const struct ledger_sink *sink, size_t *valid_end);

/*
 * Opens path for appending (O_APPEND | O_CREAT, mode 0644): an existing file must be a ledger
 * (else -EINVAL, refused); a torn tail is cut off so the next header starts on a boundary.
 * Then appends hdr (when hdrlen > 0) and makes it durable. The fd, or -errno with one line.
 */
int ledger_file_open(const char *path, const uint8_t *hdr, size_t hdrlen, char *err,
		     size_t err_size);
/* Reads a whole file into *buf (malloc'd). 0 or -errno. */
int ledger_file_read(const char *path, uint8_t **buf, size_t *len);
/* write() all of buf (retrying short writes). 0 or -errno. */
int ledger_write_all(int fd, const void *buf, size_t len);

/* The record checksum: the low 32 bits of xxh3 over the record's first 44 bytes. */
uint32_t ledger_check32(const void *buf, size_t len);
void ledger_run_hex(const uint8_t id[LEDGER_RUN_ID_LEN], char hex[2 * LEDGER_RUN_ID_LEN + 1]);
int ledger_run_unhex(const char *hex, uint8_t id[LEDGER_RUN_ID_LEN]);

static inline void ledger_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ledger_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t ledger_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ledger_get64(const uint8_t *p)
{
	return (uint64_t)ledger_get32(p) | (uint64_t)ledger_get32(p + 4) << 32;
}

/*
 * The witness's frames: an 8-byte head (u32 payload length, u8 version, u8 type, u16 zero),
 * then the payload. A writer sends HELLO (a run header) and waits for OK, then PRE (records;
 * answered OK once they are durable at the witness) and POST (records; not answered), and SYNC
 * at the end (OK once everything is durable). A checker sends FETCH (empty: the latest run, or
 * a 16-byte run id) and receives DATA frames (the run's ledger bytes) then END, or ERROR (text).
 */
#define WITNESS_HEAD 8
#define WITNESS_VERSION 1
#define WITNESS_MAX_PAYLOAD (16u << 20)
enum witness_type {
	WITNESS_HELLO = 1,
	WITNESS_PRE = 2,
	WITNESS_POST = 3,
	WITNESS_SYNC = 4,
	WITNESS_FETCH = 5,
	WITNESS_OK = 16,
	WITNESS_DATA = 17,
	WITNESS_END = 18,
	WITNESS_ERROR = 19,
};
#define WITNESS_TIMEOUT_MS 10000 /* connect, and wait for an answer */

/* A writer's or checker's connection to a witness (witness_client.c). */
struct witness_conn {
	int fd;
	char addr[256];
	int64_t stop_by; /* once a stop was asked: when waits give up (kept across reconnects) */
};
/* "HOST:PORT" ("[V6]:PORT"); with allow_run, an optional "/RUNID" (run_id set, *has_run). */
int witness_parse_addr(const char *addr, char *host, size_t host_size, char *port, size_t port_size,
		       uint8_t *run_id, bool *has_run, char *err, size_t err_size);
/* The witness's socket listening on addr only (non-blocking); bound: the address it got (the
 * port the kernel chose for port 0). The fd, or -errno with one line naming --listen. */
int witness_listen(const char *addr, char *bound, size_t bound_size, char *err, size_t err_size);
int witness_connect(struct witness_conn *c, const char *addr, char *err, size_t err_size);
void witness_close(struct witness_conn *c);
int witness_send(struct witness_conn *c, enum witness_type type, const void *payload, size_t len);
/* Two payloads in one frame (no copy). */
int witness_send2(struct witness_conn *c, enum witness_type type, const void *a, size_t alen,
		  const void *b, size_t blen);
/* The next frame: *type, payload into *buf (grown, malloc'd) of *len. 0 or -errno
 * (-ETIMEDOUT after WITNESS_TIMEOUT_MS, -EPROTO for a bad frame, -ECONNRESET at EOF). */
int witness_recv(struct witness_conn *c, enum witness_type *type, uint8_t **buf, size_t *cap,
		 size_t *len);
/* Waits for OK; an ERROR's text goes to err. 0 or -errno. */
int witness_wait_ok(struct witness_conn *c, char *err, size_t err_size);
/* Downloads a run's ledger ("HOST:PORT[/RUNID]") into *buf (malloc'd). 0 or -errno + err. */
int witness_fetch(const char *addr, uint8_t **buf, size_t *len, char *err, size_t err_size);

#endif
