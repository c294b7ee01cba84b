/*
 * scriba_verify: signature verification over a precomputed digest ("prehashed"), for Rekor
 * hashedrekord entries, which carry only the artifact digest. node:crypto always hashes its input,
 * so it cannot verify ECDSA over a given digest; this N-API addon calls the OpenSSL that is linked
 * into the node binary (EVP_PKEY_verify: FIPS 186-5 ECDSA verification of a digest, RSASSA-PKCS1-v1_5
 * per RFC 8017 §8.2.2 with the DigestInfo of the named digest). No OpenSSL is linked here: the
 * symbols resolve against node itself, so the addon MUST be built with node's own headers.
 *
 * API (all arguments validated; misuse throws a TypeError/Error, a bad signature returns false):
 *   parseKey(spkiDer: Uint8Array) -> external handle | null (null: not a parsable SPKI)
 *   keyInfo(handle) -> { type: 'ec' | 'rsa' | 'ed25519' | 'other', bits: number }
 *   verifyDigest(handle, hash: 'sha256'|'sha384'|'sha512', digest: Uint8Array, sig: Uint8Array) -> boolean
 *
 * A handle owns one EVP_PKEY and one EVP_PKEY_CTX per digest, initialised once (EVP_PKEY_verify_init
 * plus padding/digest parameters) and reused: re-initialising a context per call costs more than the
 * verification of a P-256 signature's point decoding. Handles live on the JS thread that made them;
 * they are not shared across worker threads.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#define N_MD 3

typedef struct {
  EVP_PKEY *pkey;
  EVP_PKEY_CTX *ctx[N_MD]; /* lazily initialised per digest */
  int id;
} key_handle;

static const char *MD_NAMES[N_MD] = {"sha256", "sha384", "sha512"};
static const size_t MD_SIZES[N_MD] = {32, 48, 64};

static void throw_type(napi_env env, const char *msg) { napi_throw_type_error(env, NULL, msg); }

static int md_index(napi_env env, napi_value v) {
  char name[16];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, name, sizeof(name), &len) != napi_ok) return -1;
  for (int i = 0; i < N_MD; i++) {
    if (strcmp(name, MD_NAMES[i]) == 0) return i;
  }
  return -1;
}

static const EVP_MD *md_for(int i) {
  switch (i) {
    case 0: return EVP_sha256();
    case 1: return EVP_sha384();
    default: return EVP_sha512();
  }
}

/* Reads a Uint8Array (or Buffer) argument. Returns 0 on success. */
static int get_bytes(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  napi_typedarray_type type;
  size_t length;
  void *ptr;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, &ab, &offset) != napi_ok) return -1;
  if (type != napi_uint8_array) return -1;
  *data = (const unsigned char *)ptr;
  *len = length;
  return 0;
}

static void free_handle(key_handle *h) {
  if (!h) return;
  for (int i = 0; i < N_MD; i++) {
    if (h->ctx[i]) EVP_PKEY_CTX_free(h->ctx[i]);
  }
  if (h->pkey) EVP_PKEY_free(h->pkey);
  free(h);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free_handle((key_handle *)data);
}

static EVP_PKEY *parse_spki(const unsigned char *der, size_t len) {
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
  if (pkey && p != der + len) { /* trailing bytes after the SPKI */
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  ERR_clear_error();
  return pkey;
}

/* Initialised verify context for (pkey, digest): ECDSA or RSA PKCS#1 v1.5. NULL if unsupported. */
static EVP_PKEY_CTX *make_ctx(EVP_PKEY *pkey, int mdi) {
  int id = EVP_PKEY_base_id(pkey);
  if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA) return NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  if (!ctx) return NULL;
  if (EVP_PKEY_verify_init(ctx) <= 0) goto fail;
  if (id == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) goto fail;
  if (EVP_PKEY_CTX_set_signature_md(ctx, md_for(mdi)) <= 0) goto fail;
  return ctx;
fail:
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return NULL;
}

static napi_value parse_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const unsigned char *der;
  size_t len;
  if (argc < 1 || get_bytes(env, argv[0], &der, &len) != 0) {
    throw_type(env, "parseKey(spkiDer: Uint8Array)");
    return NULL;
  }
  napi_value result;
  EVP_PKEY *pkey = parse_spki(der, len);
  if (!pkey) {
    napi_get_null(env, &result);
    return result;
  }
  key_handle *h = calloc(1, sizeof(key_handle));
  if (!h) {
    EVP_PKEY_free(pkey);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  h->pkey = pkey;
  h->id = EVP_PKEY_base_id(pkey);
  if (napi_create_external(env, h, finalize_handle, NULL, &result) != napi_ok) {
    free_handle(h);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return result;
}

static key_handle *get_handle(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return (key_handle *)data;
}

static napi_value key_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  key_handle *h = argc >= 1 ? get_handle(env, argv[0]) : NULL;
  if (!h) {
    throw_type(env, "keyInfo(handle)");
    return NULL;
  }
  const char *type = h->id == EVP_PKEY_EC ? "ec" : h->id == EVP_PKEY_RSA ? "rsa" : h->id == EVP_PKEY_ED25519 ? "ed25519" : "other";
  napi_value obj, t, b;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, type, NAPI_AUTO_LENGTH, &t);
  napi_create_int32(env, EVP_PKEY_bits(h->pkey), &b);
  napi_set_named_property(env, obj, "type", t);
  napi_set_named_property(env, obj, "bits", b);
  return obj;
}

/* Argument parsing for verifyDigest: argv[1..3] = hash, digest, sig. */
static int parse_verify_args(napi_env env, napi_value *argv, int *mdi, const unsigned char **dg, size_t *dglen,
                             const unsigned char **sig, size_t *siglen) {
  *mdi = md_index(env, argv[1]);
  if (*mdi < 0) return -1;
  if (get_bytes(env, argv[2], dg, dglen) != 0 || get_bytes(env, argv[3], sig, siglen) != 0) return -1;
  if (*dglen != MD_SIZES[*mdi]) return -1;
  return 0;
}

static napi_value bool_value(napi_env env, int ok) {
  napi_value r;
  napi_get_boolean(env, ok == 1, &r);
  return r;
}

static napi_value verify_digest(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  key_handle *h = argc == 4 ? get_handle(env, argv[0]) : NULL;
  int mdi;
  const unsigned char *dg, *sig;
  size_t dglen, siglen;
  if (!h || parse_verify_args(env, argv, &mdi, &dg, &dglen, &sig, &siglen) != 0) {
    throw_type(env, "verifyDigest(handle, 'sha256'|'sha384'|'sha512', digest of that length, signature)");
    return NULL;
  }
  if (!h->ctx[mdi]) h->ctx[mdi] = make_ctx(h->pkey, mdi);
  if (!h->ctx[mdi]) {
    napi_throw_error(env, "KEY_UNSUPPORTED", "key type cannot verify a signature over a digest");
    return NULL;
  }
  int ok = EVP_PKEY_verify(h->ctx[mdi], sig, siglen, dg, dglen);
  ERR_clear_error();
  return bool_value(env, ok);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"parseKey", NULL, parse_key, NULL, NULL, NULL, napi_default, NULL},
      {"keyInfo", NULL, key_info, NULL, NULL, NULL, napi_default, NULL},
      {"verifyDigest", NULL, verify_digest, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
