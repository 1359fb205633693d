/* rpcmsg.c - see rpcmsg.h. */
#include "net/rpcmsg.h"

#include "common/util.h"
#include "common/bytes.h"

#include <string.h>

int rpcmsg_encode(uint32_t head, xdrproc_t x, void *obj, size_t room,
		  unsigned char **buf, size_t *len)
{
	unsigned long need = xdr_sizeof(x, obj);
	unsigned char *b, *p;
	XDR xdr;
	int ok;

	/* xdr_sizeof() says 0 when it fails: then so does the encoding below. */
	*buf = NULL;
	b = xmalloc(room + 4 + need);
	p = b + room;
	put_be32(p, head);
	xdrmem_create(&xdr, (char *)p + 4, (u_int)need, XDR_ENCODE);
	ok = x(&xdr, obj);
	xdr_destroy(&xdr);
	if (!ok) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = 4 + need;
	return 0;
}

int rpcmsg_head(const unsigned char *p, size_t len, uint32_t *head,
		const unsigned char **body, size_t *blen)
{
	if (len < 4)
		return -1;
	*head = get_be32(p);
	*body = p + 4;
	*blen = len - 4;
	return 0;
}

int rpcmsg_decode(const unsigned char *body, size_t blen, xdrproc_t x, void *obj, size_t objsize)
{
	XDR xdr;
	int ok;

	memset(obj, 0, objsize);
	if (blen > UINT32_MAX)
		return -1;
	xdrmem_create(&xdr, (char *)body, (u_int)blen, XDR_DECODE);
	ok = x(&xdr, obj) && xdr_getpos(&xdr) == blen;
	xdr_destroy(&xdr);
	return ok ? 0 : -1;
}

bool_t rpcmsg_xdr_none(XDR *xdr, void *obj)
{
	(void)xdr;
	(void)obj;
	return TRUE;
}
