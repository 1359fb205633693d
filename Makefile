# mapreduce-c - see README.md.  `make` builds everything into build/.
#   make SANITIZE=address,undefined   builds with those sanitizers
#   make V=1                          shows the commands
#   make test                         runs the whole suite
#   make run                          word count demo over data/*.txt
#   make install PREFIX=/usr/local DESTDIR=   installs (README "Installing");
#   make uninstall PREFIX=... DESTDIR=...     removes exactly what it installed

CC       ?= cc
PKGCONF  ?= pkg-config
B        := build
OPT      ?= -O2 -g -flto=auto
SANITIZE ?=
V        ?=
Q        := $(if $(V),,@)

TIRPC_CFLAGS := $(shell $(PKGCONF) --cflags libtirpc 2>/dev/null)
TIRPC_LIBS   := $(shell $(PKGCONF) --libs libtirpc 2>/dev/null)
JANSSON_CFLAGS := $(shell $(PKGCONF) --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell $(PKGCONF) --libs jansson 2>/dev/null || echo -ljansson)
# Compressed inputs (src/runner/zinput.c): gzip, zstd, xz.
ZLIBS := $(shell $(PKGCONF) --libs zlib libzstd liblzma 2>/dev/null || echo -lz -lzstd -llzma)

SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
BASEFLAGS := -std=gnu11 $(OPT) $(SANFLAGS) -D_GNU_SOURCE -Isrc -I$(B)/gen $(TIRPC_CFLAGS) $(JANSSON_CFLAGS)
# Our own code: strict.  rpcgen output: relaxed, and never edited.
CFLAGS_OWN := $(BASEFLAGS) -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS_GEN := $(BASEFLAGS) -w
LDFLAGS_ALL := $(SANFLAGS) $(OPT)

COMMON_SRC  := $(wildcard src/common/*.c)
NET_SRC     := $(wildcard src/net/*.c)
SHUFFLE_SRC := $(wildcard src/shuffle/*.c)
RUNNER_SRC  := $(wildcard src/runner/*.c)
COORD_SRC   := $(wildcard src/coordinator/*.c)
WORKER_SRC  := $(wildcard src/worker/*.c)
# The shuffle (src/shuffle/): one static library that mrworker, mrsequential
# and the tests link; it knows nothing of plugins (see src/shuffle/mapout.h).
SHUFFLE_LIB := $(B)/libshuffle.a
# gcc-ar keeps the link-time-optimisation data of the members usable.
AR          := $(if $(findstring clang,$(CC)),llvm-ar,gcc-ar)
APPS       := wc indexer sort mtiming rtiming jobcount early_exit crash nocrash stream grep
APP_LIBS_wc      := -lunistring
APP_LIBS_indexer := -lunistring
APP_LIBS_grep    := $(shell $(PKGCONF) --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
# A plugin made of more than one object lists the others here.
APP_OBJS_stream  := $(B)/obj/src/apps/child.o

GEN := $(B)/gen/mr.h $(B)/gen/mr_xdr.c $(B)/gen/mr_svc.c $(B)/gen/mr_clnt.c

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

BINS := $(B)/mrcoordinator $(B)/mrworker $(B)/mrsequential $(B)/mrctl
PLUGINS := $(patsubst %,$(B)/apps/%.so,$(APPS))

all: $(BINS) $(PLUGINS)

# Rebuild everything when the flags change (e.g. SANITIZE on/off).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(CFLAGS_OWN) $(LDFLAGS_ALL)' | cmp -s - $@ || echo '$(CC) $(CFLAGS_OWN) $(LDFLAGS_ALL)' > $@

$(B)/gen/mr.h: proto/mr.x
	@mkdir -p $(B)/gen
	@$(if $(Q),echo "  RPCGEN  $@")
	$(Q)rm -f $@ && cd proto && rpcgen -M -h mr.x -o $(abspath $@)
$(B)/gen/mr_xdr.c: proto/mr.x
	@mkdir -p $(B)/gen
	@$(if $(Q),echo "  RPCGEN  $@")
	$(Q)rm -f $@ && cd proto && rpcgen -M -c mr.x -o $(abspath $@)
$(B)/gen/mr_svc.c: proto/mr.x
	@mkdir -p $(B)/gen
	@$(if $(Q),echo "  RPCGEN  $@")
	$(Q)rm -f $@ && cd proto && rpcgen -M -m mr.x -o $(abspath $@)
$(B)/gen/mr_clnt.c: proto/mr.x
	@mkdir -p $(B)/gen
	@$(if $(Q),echo "  RPCGEN  $@")
	$(Q)rm -f $@ && cd proto && rpcgen -M -l mr.x -o $(abspath $@)

$(B)/obj/$(B)/gen/%.o: $(B)/gen/%.c $(B)/gen/mr.h $(B)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_GEN) -c $< -o $@

$(B)/obj/src/apps/%.o: src/apps/%.c $(B)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_OWN) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(B)/obj/%.o: %.c $(B)/gen/mr.h $(B)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_OWN) -MMD -MP -c $< -o $@

$(B)/mrcoordinator: $(call obj,$(COORD_SRC) $(NET_SRC) $(COMMON_SRC) $(B)/gen/mr_svc.c $(B)/gen/mr_xdr.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS) $(JANSSON_LIBS) -lunistring -lxxhash -lcrypto

$(SHUFFLE_LIB): $(call obj,$(SHUFFLE_SRC))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/mrworker: $(call obj,$(WORKER_SRC) $(RUNNER_SRC) $(NET_SRC) $(COMMON_SRC) $(B)/gen/mr_clnt.c $(B)/gen/mr_xdr.c) $(SHUFFLE_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS) -ldl -lxxhash -lcrypto $(ZLIBS)

$(B)/mrctl: $(call obj,src/tools/mrctl.c src/tools/timeline.c src/tools/xmlesc.c src/tools/watch.c src/coordinator/journal.c src/coordinator/syncer.c src/coordinator/jrec.c $(NET_SRC) $(COMMON_SRC) $(B)/gen/mr_clnt.c $(B)/gen/mr_xdr.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS) $(JANSSON_LIBS) -lunistring -lxxhash -lcrypto -lm

$(B)/mrsequential: $(call obj,src/tools/mrsequential.c $(RUNNER_SRC) $(COMMON_SRC)) $(SHUFFLE_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -ldl -lxxhash $(ZLIBS)

$(B)/apps/stream.so: $(APP_OBJS_stream)
$(B)/apps/%.so: $(B)/obj/src/apps/%.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -shared -o $@ $< $(APP_OBJS_$*) $(APP_LIBS_$*)

deps:
	@scripts/setup.sh

# --- install / uninstall ------------------------------------------------------
# The layout is fixed below PREFIX: mrworker and mrsequential find the bundled
# plugins by name at BINDIR/../lib/mapreduce (src/runner/pluginpath.h), so a
# tree stays whole wherever it is installed or copied (DESTDIR included).
# Installing builds nothing new: it copies what `make` built (with the same
# flags) and writes only below DESTDIR.  The version is the product's, as the
# plugin ABI's header (src/apps/mapreduce.h) speaks of it.
VERSION    := 0.3
PREFIX     ?= /usr/local
DESTDIR    ?=
MANDIR     ?= $(PREFIX)/share/man
BINDIR     := $(PREFIX)/bin
LIBDIR     := $(PREFIX)/lib
INCLUDEDIR := $(PREFIX)/include
PLUGINDIR  := $(LIBDIR)/mapreduce
PCDIR      := $(LIBDIR)/pkgconfig
MAN1       := $(wildcard man/*.1)
MAN3       := $(wildcard man/*.3)
INSTALLED  := $(addprefix $(BINDIR)/,$(notdir $(BINS))) \
              $(addprefix $(PLUGINDIR)/,$(notdir $(PLUGINS))) \
              $(INCLUDEDIR)/mapreduce.h $(PCDIR)/mapreduce.pc \
              $(addprefix $(MANDIR)/man1/,$(notdir $(MAN1))) \
              $(addprefix $(MANDIR)/man3/,$(notdir $(MAN3)))

install: $(BINS) $(PLUGINS)
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(PLUGINDIR)' '$(DESTDIR)$(INCLUDEDIR)' \
		'$(DESTDIR)$(PCDIR)' '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(MANDIR)/man3'
	install -m 0755 $(BINS) '$(DESTDIR)$(BINDIR)'
	install -m 0644 $(PLUGINS) '$(DESTDIR)$(PLUGINDIR)'
	install -m 0644 src/apps/mapreduce.h '$(DESTDIR)$(INCLUDEDIR)/mapreduce.h'
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' src/apps/mapreduce.pc.in \
		>'$(DESTDIR)$(PCDIR)/mapreduce.pc' && chmod 0644 '$(DESTDIR)$(PCDIR)/mapreduce.pc'
	install -m 0644 $(MAN1) '$(DESTDIR)$(MANDIR)/man1'
	install -m 0644 $(MAN3) '$(DESTDIR)$(MANDIR)/man3'

# Only the files `make install` wrote, and lib/mapreduce/ if that leaves it
# empty (the other directories are shared with everything else in PREFIX).
uninstall:
	rm -f $(foreach f,$(INSTALLED),'$(DESTDIR)$(f)')
	-rmdir '$(DESTDIR)$(PLUGINDIR)' 2>/dev/null || true
# --- end of install / uninstall -----------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# Test programs and plugins: each tests/*.mk fragment appends to TEST_BINS.
TEST_BINS :=
-include $(wildcard tests/*.mk tests/*/*.mk)

test: all $(TEST_BINS)
	@MR_BUILD=$(abspath $(B)) MR_SANITIZE=$(SANITIZE) tests/run-all.sh

# Everything `make test` runs, built but not run.
test-bins: all $(TEST_BINS)

clean:
	rm -rf $(B)

.PHONY: all deps run test test-bins clean install uninstall FORCE
.SECONDARY:

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
