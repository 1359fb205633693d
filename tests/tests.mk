# tests.mk - the test plugins and the hostile-peer tools used by
# tests/test-errors.sh, tests/test-hostile.sh (mrpeer, Unix socket) and
# tests/test-net.sh (netpeer, TCP), and the one-run fetcher of
# tests/test-reconnect.sh (mrfetch).  Included by the Makefile, which defines
# B, CFLAGS_OWN, LDFLAGS_ALL, TIRPC_LIBS, obj and TEST_BINS.

TEST_PLUGINS := segv_once exit_once fail_map fail_reduce slow bad_abi no_symbols straggler counting poison hooks \
                sum_bad sum_unknown
TEST_PLUGIN_SOS := $(patsubst %,$(B)/tests/plugins/%.so,$(TEST_PLUGINS))
MRPEER := $(B)/tests/tools/mrpeer
NETPEER := $(B)/tests/tools/netpeer
MRFETCH := $(B)/tests/tools/mrfetch

TEST_BINS += $(TEST_PLUGIN_SOS) $(MRPEER) $(NETPEER) $(MRFETCH)

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

# netpeer does its own I/O over TCP with the handshake and frames of src/net/.
$(NETPEER): $(call obj,tests/tools/netpeer.c src/net/auth.c src/net/tcp.c src/net/rpcmsg.c \
                       src/net/secret.c src/common/log.c src/common/util.c $(B)/gen/mr_xdr.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TIRPC_LIBS) -lcrypto

# mrfetch is a reduce's fetch (src/worker/fetch.c) and nothing else.
$(MRFETCH): $(call obj,tests/tools/mrfetch.c src/worker/fetch.c src/net/channel.c src/net/tcp.c \
                       src/net/auth.c src/net/secret.c src/net/fetchmsg.c src/common/jobdir.c \
                       src/common/afile.c src/common/log.c src/common/util.c) $(SHUFFLE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lxxhash -lcrypto -lpthread

test-errors-bins: $(TEST_PLUGIN_SOS) $(MRPEER) $(NETPEER) $(MRFETCH)
.PHONY: test-errors-bins
