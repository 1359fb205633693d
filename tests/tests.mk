# tests.mk - the test plugins and the hostile-peer tool used by
# tests/test-errors.sh and tests/test-hostile.sh.  Included by the Makefile,
# which defines B, CFLAGS_OWN, LDFLAGS_ALL, TIRPC_LIBS, obj and TEST_BINS.

TEST_PLUGINS := segv_once exit_once fail_map fail_reduce slow bad_abi no_symbols straggler counting poison \
                sum_bad sum_unknown
TEST_PLUGIN_SOS := $(patsubst %,$(B)/tests/plugins/%.so,$(TEST_PLUGINS))
MRPEER := $(B)/tests/tools/mrpeer

TEST_BINS += $(TEST_PLUGIN_SOS) $(MRPEER)

# Built like the bundled plugins (see the apps rules), from tests/plugins/.
$(B)/obj/tests/plugins/%.o: tests/plugins/%.c $(B)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_OWN) -Isrc/apps -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(B)/tests/plugins/%.so: $(B)/obj/tests/plugins/%.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -shared -o $@ $<

# mrpeer speaks the protocol through the generated client stubs.
$(MRPEER): $(call obj,tests/tools/mrpeer.c $(B)/gen/mr_clnt.c $(B)/gen/mr_xdr.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS)

test-errors-bins: $(TEST_PLUGIN_SOS) $(MRPEER)
.PHONY: test-errors-bins
