# tests/unit/unit.mk - cmocka unit tests of the pure modules (included by the
# top-level Makefile).  One binary per module, $(B)/tests/unit/test_NAME, from
# tests/unit/test_NAME.c (compiled by the Makefile's generic rule with
# $(CFLAGS_OWN), no extra -W flags needed) and the module's own objects.
# Run them with tests/unit.sh.

UNIT_TESTS := timerq tasks partition kvbuf ifile options util log \
              ctab merge mapout stage fileio sumtab sumview runner journal faults jrec params sweep inputs

# Every test links the common objects, the tests' whole-run helpers
# (runio.c) and the shuffle library (only the members it uses are pulled
# in); UNIT_SRC_NAME adds sources from elsewhere.
UNIT_COMMON := src/common/util.c src/common/log.c src/common/afile.c src/common/faults.c src/common/params.c \
               tests/unit/runio.c
UNIT_SRC_timerq    := src/coordinator/timerq.c
UNIT_SRC_tasks     := src/coordinator/tasks.c src/coordinator/timerq.c
UNIT_SRC_partition := src/runner/plugin.c src/runner/pluginpath.c
UNIT_SRC_ifile     := src/runner/fileio.c
UNIT_SRC_merge     := src/runner/fileio.c
UNIT_SRC_fileio    := src/runner/fileio.c
UNIT_SRC_runner    := src/runner/runner.c src/runner/plugin.c src/runner/pluginpath.c src/runner/fileio.c \
                      src/runner/counters.c src/common/jobdir.c src/runner/zinput.c \
                      src/common/inputs.c
UNIT_SRC_options   := src/coordinator/options.c
UNIT_SRC_journal   := src/coordinator/journal.c src/coordinator/syncer.c
UNIT_SRC_faults    := src/coordinator/journal.c src/coordinator/syncer.c
UNIT_SRC_jrec      := src/coordinator/jrec.c
UNIT_SRC_sweep     := src/coordinator/sweep.c
UNIT_SRC_inputs    := src/common/inputs.c src/runner/zinput.c src/runner/fileio.c
UNIT_LIBS := -lcmocka -lxxhash -ldl $(ZLIBS)

UNIT_BINS := $(patsubst %,$(B)/tests/unit/test_%,$(UNIT_TESTS))

define UNIT_RULE
$(B)/tests/unit/test_$(1): $(call obj,tests/unit/test_$(1).c $(UNIT_SRC_$(1)) $(UNIT_COMMON)) $(SHUFFLE_LIB)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(UNIT_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULE,$(t))))

TEST_BINS += $(UNIT_BINS)
