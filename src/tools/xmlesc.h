/*
 * xmlesc.h - bytes of any kind as text of an XML document.
 *
 * What goes into a picture or a page may come from a user (an input file's
 * name, a worker's error text): any bytes, not necessarily UTF-8.  These
 * calls write it so that the document stays well-formed XML 1.0 whatever
 * the bytes are:
 *   - & < > " ' become entity references, so the text may stand in
 *     character data and in attribute values alike;
 *   - tab, newline and carriage return become character references
 *     (&#9; &#10; &#13;), which an attribute value keeps as they are;
 *   - every byte that does not belong to a well-formed UTF-8 sequence
 *     (a stray continuation byte, a truncated or overlong sequence, a
 *     surrogate, beyond U+10FFFF) becomes U+FFFD, one per byte, and so do
 *     the characters XML 1.0 forbids (the other C0 controls, NUL included,
 *     U+FFFE and U+FFFF).
 * Everything else is copied as it is.
 *
 * Nothing is allocated; a write error shows in ferror(out), as for any
 * stdio output.
 */
#ifndef MR_XMLESC_H
#define MR_XMLESC_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0 .. len) to `out`, escaped as above. */
void xml_escape(FILE *out, const char *s, size_t len);

/* The same for a NUL-terminated string (NULL writes nothing). */
void xml_escape_str(FILE *out, const char *s);

#endif
