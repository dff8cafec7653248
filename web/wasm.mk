# web/wasm.mk - the library compiled to WebAssembly with Emscripten, the same C sources as libllmcost (src/*.c and
# the embedded data/ that the native build generates): make -f web/wasm.mk BUILD=build DEPS=dir-of-web/deps.sh
# Output: $(BUILD)/web/llmcost.js, one file holding the module and its wasm (-sSINGLE_FILE=1), for the page.
BUILD   ?= build
DEPS    ?= $(BUILD)/web/deps
OBJ     := $(BUILD)/web/obj
EMCC    ?= emcc
# Debian's emscripten runs its JS tools with acorn from node-acorn (/usr/share/nodejs), which a node not from
# Debian (nodesource) does not search by itself.
export NODE_PATH := /usr/share/nodejs$(if $(NODE_PATH),:$(NODE_PATH))
VERSION := $(shell grep -m1 -o 'llmcost VERSION [0-9.]*' CMakeLists.txt | cut -d' ' -f3)
SRCS    := $(wildcard src/*.c)
OBJS    := $(patsubst src/%.c,$(OBJ)/%.o,$(SRCS)) $(OBJ)/embedded_data.o
CFLAGS  := -std=c11 -O2 -Iinclude -Isrc -I$(DEPS)/include -DLLMCOST_VERSION='"$(VERSION)"' \
           -Wall -Wextra -Wno-unused-parameter
# What the page calls: llmcost_request() and its companions, and the runtime's string helpers.
EXPORTS := _llmcost_request,_llmcost_errmsg,_llmcost_free,_llmcost_version,_malloc,_free
RUNTIME := UTF8ToString,stringToUTF8,lengthBytesUTF8,getValue,FS
LDFLAGS := -O2 -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createLlmcost -sENVIRONMENT=web,worker \
           -sALLOW_MEMORY_GROWTH=1 -sEXPORTED_FUNCTIONS=$(EXPORTS) \
           -sEXPORTED_RUNTIME_METHODS=$(RUNTIME) -sFILESYSTEM=1 -sFORCE_FILESYSTEM=1

$(BUILD)/web/llmcost.js: $(OBJS) $(DEPS)/lib/libjansson.a $(DEPS)/lib/libnlopt.a web/wasm.mk
	@echo "emcc -o $@ (SINGLE_FILE: the wasm inside)"
	@$(EMCC) $(LDFLAGS) -o $@ $(OBJS) $(DEPS)/lib/libjansson.a $(DEPS)/lib/libnlopt.a -lm

$(OBJ)/%.o: src/%.c $(wildcard src/*.h include/llmcost/*.h) web/wasm.mk | $(OBJ)
	@echo "emcc $<"
	@$(EMCC) $(CFLAGS) -c -o $@ $<

$(OBJ)/embedded_data.o: $(BUILD)/embedded_data.c src/embedded.h | $(OBJ)
	@echo "emcc $<"
	@$(EMCC) $(CFLAGS) -c -o $@ $<

$(OBJ):
	mkdir -p $@
