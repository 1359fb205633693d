# Word count mapper for the streaming plugin (stream.so), in POSIX awk.
# Writes "WORD<TAB>1" for every maximal run of ASCII letters.  On ASCII
# text this is what wc.so counts; wc.so also takes non-ASCII letters
# (Unicode category L), which awk cannot tell reliably: run it with
# LC_ALL=C so that every other byte separates words.
{
	gsub(/[^A-Za-z]+/, " ")
	for (i = 1; i <= NF; i++)
		print $i "\t1"
}
