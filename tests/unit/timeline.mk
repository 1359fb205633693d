# tests/unit/timeline.mk - the cmocka unit test of src/tools/xmlesc.c (the
# escaping of mrctl timeline's SVG), included by the top-level Makefile.
# Run it with tests/unit.sh.

$(B)/tests/unit/test_xmlesc: $(call obj,tests/unit/test_xmlesc.c src/tools/xmlesc.c src/common/log.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lcmocka -lunistring

TEST_BINS += $(B)/tests/unit/test_xmlesc
