# tests/unit/net.mk - cmocka unit tests of the network modules (src/net/:
# secret, auth, tcp, channel, redial), included by the top-level Makefile before
# unit.mk, so it has its own rule.  Each test links its modules, the common
# log and util objects, cmocka and libcrypto.  Run them with tests/unit.sh.

NET_UNIT_TESTS := secret auth channel redial

NET_UNIT_COMMON      := src/common/log.c src/common/util.c
NET_UNIT_SRC_secret  := src/net/secret.c
NET_UNIT_SRC_auth    := src/net/auth.c
NET_UNIT_SRC_channel := src/net/channel.c src/net/tcp.c src/net/auth.c src/net/secret.c
NET_UNIT_SRC_redial  := src/net/redial.c

define NET_UNIT_RULE
$(B)/tests/unit/test_$(1): $(call obj,tests/unit/test_$(1).c $(NET_UNIT_SRC_$(1)) $(NET_UNIT_COMMON))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ -lcmocka -lcrypto
endef
$(foreach t,$(NET_UNIT_TESTS),$(eval $(call NET_UNIT_RULE,$(t))))

TEST_BINS += $(patsubst %,$(B)/tests/unit/test_%,$(NET_UNIT_TESTS))
