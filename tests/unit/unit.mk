# tests/unit/unit.mk - cmocka unit tests of the pure modules (included by the
# top-level Makefile).  One binary per module, $(B)/tests/unit/test_NAME, from
# tests/unit/test_NAME.c (compiled by the Makefile's generic rule with
# $(CFLAGS_OWN), no extra -W flags needed) and the module's own objects.
# Run them with tests/unit.sh.

UNIT_TESTS := timerq tasks partition kvbuf ifile options util log \
              ctab merge mapout fileio sumtab sumview

UNIT_COMMON := src/common/util.c src/common/log.c src/worker/keysort.c
UNIT_SRC_timerq    := src/coordinator/timerq.c
UNIT_SRC_tasks     := src/coordinator/tasks.c src/coordinator/timerq.c
UNIT_SRC_partition := src/worker/plugin.c
UNIT_SRC_kvbuf     := src/worker/kvbuf.c
UNIT_SRC_ifile     := src/worker/ifile.c src/common/afile.c src/worker/fileio.c \
                      src/worker/kvbuf.c
UNIT_SRC_ctab      := src/worker/ctab.c src/worker/kvbuf.c
UNIT_SRC_merge     := src/worker/merge.c src/worker/ifile.c src/common/afile.c \
                      src/worker/kvbuf.c src/worker/fileio.c
UNIT_SRC_mapout    := src/worker/counters.c src/worker/mapout.c src/worker/ctab.c src/worker/sumtab.c src/worker/sumview.c \
                      src/worker/merge.c \
                      src/worker/ifile.c src/common/afile.c src/worker/kvbuf.c \
                      src/worker/plugin.c src/worker/fileio.c
UNIT_SRC_fileio    := src/worker/fileio.c
UNIT_SRC_sumtab    := src/worker/sumtab.c
UNIT_SRC_sumview   := src/worker/sumview.c src/worker/sumtab.c src/worker/plugin.c
UNIT_SRC_options   := src/coordinator/options.c
UNIT_SRC_util      :=
UNIT_SRC_log       :=
UNIT_LIBS_partition := -ldl
UNIT_LIBS_sumview := -ldl
UNIT_LIBS_ifile := -lxxhash
UNIT_LIBS_merge := -lxxhash
UNIT_LIBS_mapout := -lxxhash -ldl

UNIT_BINS := $(patsubst %,$(B)/tests/unit/test_%,$(UNIT_TESTS))

define UNIT_RULE
$(B)/tests/unit/test_$(1): $(call obj,tests/unit/test_$(1).c $(UNIT_SRC_$(1)) $(UNIT_COMMON))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ -lcmocka $$(UNIT_LIBS_$(1))
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULE,$(t))))

TEST_BINS += $(UNIT_BINS)
