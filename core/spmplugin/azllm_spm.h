// C ABI of the sentencepiece plugin (libazllm_spm.so).
// The plugin is the only code that links Debian's libsentencepiece, whose bundled protobuf
// clashes with LibTorch's; core loads it with dlmopen(LM_ID_NEWLM) into its own link namespace.
// Only plain ints, sizes and byte strings cross this boundary; the plugin never hands out memory
// the caller must free: outputs go into caller-provided buffers (call again with a larger one when
// the returned size exceeds the capacity).
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AZSPM_ABI_VERSION 2 // 2: azspm_train takes key=value lines

typedef struct azspm_processor azspm_processor;

// Returns AZSPM_ABI_VERSION; core refuses a plugin whose version differs.
int azspm_abi_version(void);

// Trains a model from sentencepiece trainer options given as "key=value" lines separated by '\n'
// ("input=/path with spaces/s.txt\nvocab_size=2000\n..."); values may contain spaces.
// Returns 0 on success; otherwise writes a NUL-terminated message into err (capacity errcap).
int azspm_train(const char* flags, char* err, size_t errcap);

// Loads a .model file, or a serialized model held in memory. NULL on failure (message in err).
azspm_processor* azspm_load(const char* path, char* err, size_t errcap);
azspm_processor* azspm_load_bytes(const char* data, size_t len, char* err, size_t errcap);
void azspm_free(azspm_processor* p);

int azspm_vocab_size(const azspm_processor* p);
// which: 0 unk, 1 bos, 2 eos, 3 pad. -1 when the model has none.
int azspm_special_id(const azspm_processor* p, int which);

// Encodes len bytes of UTF-8. Returns the number of ids (written only when <= cap), -1 on error.
long azspm_encode(const azspm_processor* p, const char* text, size_t len, int32_t* out, size_t cap,
                  char* err, size_t errcap);
// Decodes ids to UTF-8. Returns the byte length (written only when <= cap), -1 on error.
long azspm_decode(const azspm_processor* p, const int32_t* ids, size_t n, char* out, size_t cap,
                  char* err, size_t errcap);

// Piece text of an id. Returns its byte length (written only when <= cap), -1 when out of range.
long azspm_id_to_piece(const azspm_processor* p, int id, char* out, size_t cap);
// Id of a piece (len bytes), or the unk id when unknown.
int azspm_piece_to_id(const azspm_processor* p, const char* piece, size_t len);
float azspm_score(const azspm_processor* p, int id);
// Piece type: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte.
int azspm_piece_type(const azspm_processor* p, int id);
// The serialized model (protobuf bytes). Returns its length (written only when <= cap).
long azspm_serialized(const azspm_processor* p, char* out, size_t cap);

#ifdef __cplusplus
}
#endif
