# tests/fuzz/fuzz.mk - libFuzzer targets; see tests/fuzz.sh.
#   make fuzz-bins                 build $(B)/fuzz/fuzz_xdr, fuzz_ifile and fuzz_frame
#   make fuzz [FUZZ_SECONDS=300]   fuzz each target that long; new inputs
#                                  go to $(B)/fuzz/corpus-<target>, crashes
#                                  to $(B)/fuzz/<target>-crash-*
#   make fuzz-seeds                rewrite tests/fuzz/corpus/ (gen_seeds.c)
# The targets are always built by clang (libFuzzer is clang's), whatever
# $(CC) is, straight from the engine's sources: the objects in $(B)/obj
# are gcc's, without coverage instrumentation.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := xdr ifile frame
FUZZ_BINS    := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))

# Why the targets cannot be built on this machine; empty when they can.
ifeq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
FUZZ_WHY_NOT := $(FUZZ_CC) not found (install clang and libclang-rt-dev)
else
FUZZ_RTDIR := $(shell $(FUZZ_CC) -print-runtime-dir 2>/dev/null)
FUZZ_ARCH  := $(shell uname -m)
ifeq ($(wildcard $(FUZZ_RTDIR)/libclang_rt.fuzzer-$(FUZZ_ARCH).a $(FUZZ_RTDIR)/libclang_rt.fuzzer.a),)
FUZZ_WHY_NOT := the libFuzzer runtime of $(FUZZ_CC) is missing from '$(FUZZ_RTDIR)' (install libclang-rt-dev)
endif
endif

ifeq ($(FUZZ_WHY_NOT),)
TEST_BINS += $(FUZZ_BINS)
endif

FUZZ_SAN   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS := -std=gnu11 -g -O1 $(FUZZ_SAN) -fno-omit-frame-pointer -D_GNU_SOURCE \
              -Isrc -I$(B)/gen $(TIRPC_CFLAGS)
FUZZ_OWN   := $(FUZZ_FLAGS) -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
FUZZ_GEN   := $(FUZZ_FLAGS) -w

fuzz_obj = $(patsubst %.c,$(B)/fuzz/obj/%.o,$(1))

FUZZ_OBJS_xdr   := $(call fuzz_obj,tests/fuzz/fuzz_xdr.c) $(B)/fuzz/obj/mr_xdr.o
FUZZ_OBJS_ifile := $(call fuzz_obj,tests/fuzz/fuzz_ifile.c tests/unit/runio.c src/shuffle/ifile.c \
                   src/shuffle/kvbuf.c src/shuffle/keysort.c src/common/afile.c src/runner/fileio.c \
                   src/common/faults.c src/common/log.c src/common/util.c)
FUZZ_OBJS_frame := $(call fuzz_obj,tests/fuzz/fuzz_frame.c src/net/auth.c src/net/fetchmsg.c)

ifeq ($(FUZZ_WHY_NOT),)
fuzz-bins: $(FUZZ_BINS)
else
fuzz-bins:
	@echo "fuzz: cannot build the fuzz targets: $(FUZZ_WHY_NOT)" >&2; exit 1
endif

$(B)/fuzz/fuzz_xdr: $(FUZZ_OBJS_xdr)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(TIRPC_LIBS) -lxxhash

$(B)/fuzz/fuzz_ifile: $(FUZZ_OBJS_ifile)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(TIRPC_LIBS) -lxxhash

$(B)/fuzz/fuzz_frame: $(FUZZ_OBJS_frame)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ -lcrypto

$(B)/fuzz/obj/%.o: %.c $(B)/gen/mr.h tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_OWN) -MMD -MP -c $< -o $@

$(B)/fuzz/obj/mr_xdr.o: $(B)/gen/mr_xdr.c $(B)/gen/mr.h tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_GEN) -c $< -o $@

# Fuzz every target for FUZZ_SECONDS over its working corpus, which starts
# from (and adds to) the committed seeds and regression inputs.
fuzz: fuzz-bins
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/fuzz/corpus-$$t; \
		reg=; [ -d tests/fuzz/regress/$$t ] && reg=tests/fuzz/regress/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-max_len=8192 -close_fd_mask=2 -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/$$t- \
			$(B)/fuzz/corpus-$$t tests/fuzz/corpus/$$t $$reg; \
	done

# The seed writer is an ordinary program: gcc objects from $(B)/obj do.
$(B)/fuzz/gen_seeds: $(call obj,tests/fuzz/gen_seeds.c tests/unit/runio.c src/shuffle/ifile.c \
		src/shuffle/kvbuf.c src/shuffle/keysort.c src/common/afile.c src/runner/fileio.c \
		src/common/faults.c src/common/log.c src/common/util.c src/net/auth.c $(B)/gen/mr_xdr.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS) -lxxhash -lcrypto

fuzz-seeds: $(B)/fuzz/gen_seeds
	$(B)/fuzz/gen_seeds tests/fuzz/corpus

.PHONY: fuzz fuzz-bins fuzz-seeds

-include $(wildcard $(B)/fuzz/obj/*/*/*.d)
