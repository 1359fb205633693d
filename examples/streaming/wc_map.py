#!/usr/bin/env python3
"""Word count mapper for the streaming plugin (stream.so).

Reads text on stdin and writes "WORD<TAB>1" for every word.  A word is what
wc.so counts: a maximal run of letters, a letter being a code point of
Unicode category L (str.isalpha); the input is UTF-8, and every byte of an
invalid sequence separates words.  Standard library only.
"""
import itertools
import re
import sys

# Letters, and the few other characters \w takes (numerals such as "²" or
# "Ⅻ"): each run is cut into its runs of letters below.
RUN = re.compile(r"[^\W\d_]+")


def words(text):
    for run in RUN.findall(text):
        if run.isalpha():
            yield run
        else:
            for letters, chars in itertools.groupby(run, str.isalpha):
                if letters:
                    yield "".join(chars)


def main():
    # Block-buffered whatever PYTHONUNBUFFERED says: a write per line is slow.
    with open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False) as out:
        for line in sys.stdin.buffer:
            # Bytes that are not UTF-8 become lone surrogates: not letters.
            for w in words(line.decode("utf-8", "surrogateescape")):
                out.write(w.encode("utf-8") + b"\t1\n")


if __name__ == "__main__":
    main()
