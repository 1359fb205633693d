/*
 * rpcmsg.h - the procedures of proto/mr.x carried in authenticated frames
 * (TCP jobs), where libtirpc's record marking cannot carry a MAC.
 *
 * The payload of a call is a u32 procedure number (big-endian, the numbers
 * of proto/mr.x) followed by the XDR encoding of its arguments; the
 * payload of a reply is a u32 status (RPCMSG_OK, or why the call was not
 * served) followed by the XDR encoding of the result.  The XDR routines
 * are rpcgen's, so a TCP call and a Unix-socket call carry the same
 * bytes of arguments and results.
 *
 * No I/O, nothing printed: 0 / -1 only.
 */
#ifndef MR_RPCMSG_H
#define MR_RPCMSG_H

#include <rpc/rpc.h>
#include <stddef.h>
#include <stdint.h>

enum rpcmsg_status {
	RPCMSG_OK = 0,
	RPCMSG_NO_PROC = 1,      /* no such procedure */
	RPCMSG_BAD_ARGS = 2      /* the arguments did not decode */
};

/*
 * Encode `obj` with `x` after a u32 `head` (a procedure number or a
 * status) into a malloc'd buffer with `room` bytes free in front of it
 * (for a frame header: see auth_seal), *len counting from buf + room.
 * 0, or -1 when the encoding fails.  The caller frees *buf.
 */
int rpcmsg_encode(uint32_t head, xdrproc_t x, void *obj, size_t room,
		  unsigned char **buf, size_t *len);

/*
 * Split a payload into its u32 head and its body.  0, or -1 when it is
 * shorter than the head.
 */
int rpcmsg_head(const unsigned char *p, size_t len, uint32_t *head,
		const unsigned char **body, size_t *blen);

/*
 * Decode a body into `obj` (zeroed first; free it with xdr_free(x, obj)
 * even after a failure).  0, or -1 when it does not decode whole.
 */
int rpcmsg_decode(const unsigned char *body, size_t blen, xdrproc_t x, void *obj, size_t objsize);

/* XDR of no arguments (a procedure taking void), castable to xdrproc_t. */
bool_t rpcmsg_xdr_none(XDR *xdr, void *obj);

#endif
