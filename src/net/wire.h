/*
 * wire.h - big-endian integers in byte buffers, as the TCP protocol writes
 * them (net/auth.h frames, net/fetchmsg.h, net/rpcmsg.h).  Inline, no
 * alignment needed, nothing can fail.
 */
#ifndef MR_WIRE_H
#define MR_WIRE_H

#include <stdint.h>

static inline void wire_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline uint32_t wire_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_put64(unsigned char *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

static inline uint64_t wire_get64(const unsigned char *p)
{
	return (uint64_t)wire_get32(p) << 32 | wire_get32(p + 4);
}

#endif
