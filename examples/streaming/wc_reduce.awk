# Word count reducer for the streaming plugin (stream.so), in POSIX awk.
# Reads "WORD<TAB>COUNT" lines sorted by word; writes "WORD TOTAL" lines.
BEGIN { FS = "\t" }
NR > 1 && $1 != key { print key, total; total = 0 }
{ key = $1; total += $2 }
END { if (NR > 0) print key, total }
