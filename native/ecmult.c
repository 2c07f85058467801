/*
 * What the wallet and the devnet mint do per output, on libsecp256k1's own routines, compiled from the library
 * source the `secp256k1` npm package ships (scripts/build-native.mjs). The published bindings offer one
 * multiplication per call, each with its own parse, table and inversion; these functions do a whole
 * batch in one call:
 *  - combine: a*P + b*Q + g*G in one Strauss pass (secp256k1_ecmult_strauss_wnaf);
 *  - isZeroSum: whether sum k_i*P_i + g*G is the point at infinity, for any number of points
 *    (secp256k1_ecmult_multi_var: Strauss below 88 points, Pippenger above): BIP340 batch verification;
 *  - dleqUnblindBatch: every blind signature of a batch checked against its NUT-12 proof and unblinded,
 *    one shared inversion, comb tables for G and for a mint key seen often (comb.h);
 *  - signSchnorr: BIP340 signatures of many digests under one key, constant time (secp256k1_ecmult_gen), the
 *    last key's P = d*G kept;
 *  - addBase: P + k*G with the comb table of G (blinding);
 *  - hashToCurveBlind: NUT-00's hash_to_curve and blinding B_ = Y + r*G of many secrets, one inversion for the batch.
 * All but signSchnorr are variable time, like the bindings' own tweak multiplication (the same routine):
 * not for long-term private keys.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "secp256k1.c"
#include "comb.h"

enum { OK = 0, BAD_POINT = 1, BAD_SCALAR = 2, INFINITY_RESULT = 3, BAD_ARGUMENTS = 4, NONZERO_SUM = 5, PROOF_MISMATCH = 6, NO_MEMORY = 7 };

/* Mint keys with comb tables: a table is built once a key has been asked for COMB_AFTER_USES outputs. */
#define KEY_SLOTS 16
#define MAX_KEY_TABLES 8
#define COMB_AFTER_USES 32

typedef struct {
    unsigned char key[64];
    uint64_t uses;
    uint64_t stamp;
    comb_table *table;
} key_slot;

/* Per Node environment (main thread, each worker): nothing mutable is shared between threads. */
typedef struct {
    secp256k1_context *context;
    comb_table *g_table;
    key_slot slots[KEY_SLOTS];
    uint64_t clock;
    /* the last signing key and its P = d*G (x, y parity): the wallet signs quote after quote with one locking key */
    int signer_known;
    unsigned char signer_secret[32], signer_px[32];
    int signer_odd;
} addon_state;

static void state_free(napi_env env, void *data, void *hint) {
    addon_state *state = data;
    int i;
    (void)env;
    (void)hint;
    for (i = 0; i < KEY_SLOTS; i++) free(state->slots[i].table);
    free(state->g_table);
    memset(state->signer_secret, 0, sizeof(state->signer_secret));
    secp256k1_context_destroy(state->context);
    free(state);
}

static addon_state *state_of(napi_env env) {
    void *data = NULL;
    napi_get_instance_data(env, &data);
    return data;
}

static const comb_table *g_table(addon_state *state) {
    if (state->g_table == NULL) state->g_table = comb_build(&secp256k1_ge_const_g);
    return state->g_table;
}

/* r = sum(na[i]*a[i]) + ng*G for num <= 2 points, Strauss with the endomorphism, as secp256k1_ecmult does for one. */
static void ecmult2(const secp256k1_context *context, secp256k1_gej *r, int num, const secp256k1_gej *a, const secp256k1_scalar *na, const secp256k1_scalar *ng) {
    secp256k1_gej prej[2 * ECMULT_TABLE_SIZE(WINDOW_A)];
    secp256k1_fe zr[2 * ECMULT_TABLE_SIZE(WINDOW_A)];
    secp256k1_ge pre_a[2 * ECMULT_TABLE_SIZE(WINDOW_A)];
    struct secp256k1_strauss_point_state ps[2];
#ifdef USE_ENDOMORPHISM
    secp256k1_ge pre_a_lam[2 * ECMULT_TABLE_SIZE(WINDOW_A)];
#endif
    struct secp256k1_strauss_state state;
    state.prej = prej;
    state.zr = zr;
    state.pre_a = pre_a;
#ifdef USE_ENDOMORPHISM
    state.pre_a_lam = pre_a_lam;
#endif
    state.ps = ps;
    secp256k1_ecmult_strauss_wnaf(&context->ecmult_ctx, &state, r, num, a, na, ng);
}

static int get_bytes(napi_env env, napi_value value, unsigned char **data, size_t *length) {
    napi_typedarray_type type;
    napi_value buffer;
    size_t offset;
    void *raw;
    if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok || type != napi_uint8_array) return 0;
    *data = raw;
    return 1;
}

static int get_point(napi_env env, napi_value value, secp256k1_ge *ge) {
    unsigned char *bytes;
    size_t length;
    return get_bytes(env, value, &bytes, &length) && secp256k1_eckey_pubkey_parse(ge, bytes, length);
}

/* OK, BAD_SCALAR when the 32 bytes are >= n, BAD_ARGUMENTS when not 32 bytes */
static int get_scalar(napi_env env, napi_value value, secp256k1_scalar *scalar) {
    unsigned char *bytes;
    size_t length;
    int overflow;
    if (!get_bytes(env, value, &bytes, &length) || length != 32) return BAD_ARGUMENTS;
    secp256k1_scalar_set_b32(scalar, bytes, &overflow);
    return overflow ? BAD_SCALAR : OK;
}

static int get_optional_scalar(napi_env env, napi_value value, secp256k1_scalar *scalar) {
    napi_valuetype type;
    secp256k1_scalar_set_int(scalar, 0);
    napi_typeof(env, value, &type);
    return type == napi_null || type == napi_undefined ? OK : get_scalar(env, value, scalar);
}

static int array_length(napi_env env, napi_value value, uint32_t *length) {
    bool is_array = false;
    return napi_is_array(env, value, &is_array) == napi_ok && is_array && napi_get_array_length(env, value, length) == napi_ok;
}

static napi_value status_value(napi_env env, int status) {
    napi_value result;
    napi_create_int32(env, status, &result);
    return result;
}

static void serialize(secp256k1_ge *point, unsigned char *out, int compressed) {
    size_t length = compressed ? 33 : 65;
    secp256k1_eckey_pubkey_serialize(point, out, &length, compressed);
}

/* combine(out65, points[], scalars[], gScalar|null) -> status; writes the uncompressed sum into out65 (at most two points). */
static napi_value combine(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], element;
    unsigned char *out;
    size_t out_length;
    uint32_t count, scalar_count, i;
    secp256k1_gej points[2], sum;
    secp256k1_scalar scalars[2], g;
    secp256k1_ge ge;
    int status;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 4 || !get_bytes(env, argv[0], &out, &out_length) || out_length != 65 || !array_length(env, argv[1], &count) ||
        !array_length(env, argv[2], &scalar_count) || count > 2 || count != scalar_count)
        return status_value(env, BAD_ARGUMENTS);
    for (i = 0; i < count; i++) {
        napi_get_element(env, argv[1], i, &element);
        if (!get_point(env, element, &ge)) return status_value(env, BAD_POINT);
        secp256k1_gej_set_ge(&points[i], &ge);
        napi_get_element(env, argv[2], i, &element);
        if ((status = get_scalar(env, element, &scalars[i])) != OK) return status_value(env, status);
    }
    if ((status = get_optional_scalar(env, argv[3], &g)) != OK) return status_value(env, status);
    ecmult2(state_of(env)->context, &sum, (int)count, points, scalars, &g);
    if (secp256k1_gej_is_infinity(&sum)) return status_value(env, INFINITY_RESULT);
    secp256k1_ge_set_gej_var(&ge, &sum);
    serialize(&ge, out, 0);
    return status_value(env, OK);
}

typedef struct {
    const secp256k1_ge *points;
    const secp256k1_scalar *scalars;
} multi_data;

static int multi_callback(secp256k1_scalar *sc, secp256k1_ge *pt, size_t idx, void *data) {
    const multi_data *d = data;
    *sc = d->scalars[idx];
    *pt = d->points[idx];
    return 1;
}

/*
 * isZeroSum(points[], scalars[], gScalar|null) -> OK when sum k_i*P_i + g*G is the point at infinity, NONZERO_SUM when
 * not; BAD_POINT, BAD_SCALAR, BAD_ARGUMENTS, NO_MEMORY. Any number of points.
 */
static napi_value is_zero_sum(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], element;
    uint32_t count, scalar_count, i;
    secp256k1_ge *points = NULL;
    secp256k1_scalar *scalars = NULL, g;
    secp256k1_scratch *scratch = NULL;
    secp256k1_gej sum;
    multi_data data;
    size_t scratch_size;
    int status = OK;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 3 || !array_length(env, argv[0], &count) || !array_length(env, argv[1], &scalar_count) || count != scalar_count)
        return status_value(env, BAD_ARGUMENTS);
    if ((status = get_optional_scalar(env, argv[2], &g)) != OK) return status_value(env, status);
    points = malloc((count + 1) * sizeof(secp256k1_ge));
    scalars = malloc((count + 1) * sizeof(secp256k1_scalar));
    if (points == NULL || scalars == NULL) {
        status = NO_MEMORY;
        goto done;
    }
    for (i = 0; i < count && status == OK; i++) {
        napi_get_element(env, argv[0], i, &element);
        if (!get_point(env, element, &points[i])) status = BAD_POINT;
        napi_get_element(env, argv[1], i, &element);
        if (status == OK) status = get_scalar(env, element, &scalars[i]);
    }
    if (status != OK) goto done;
    /* room for Pippenger or Strauss over all points in one batch, whichever secp256k1_ecmult_multi_var picks */
    scratch_size = secp256k1_pippenger_scratch_size(count, secp256k1_pippenger_bucket_window(count)) + PIPPENGER_SCRATCH_OBJECTS * ALIGNMENT;
    if (count < ECMULT_PIPPENGER_THRESHOLD) scratch_size += secp256k1_strauss_scratch_size(count) + STRAUSS_SCRATCH_OBJECTS * ALIGNMENT;
    scratch_size += scratch_size / 4; /* secp256k1_pippenger_max_points rounds down: never split one batch in two */
    scratch = secp256k1_scratch_create(&default_error_callback, scratch_size);
    if (scratch == NULL) {
        status = NO_MEMORY;
        goto done;
    }
    data.points = points;
    data.scalars = scalars;
    if (!secp256k1_ecmult_multi_var(&default_error_callback, &state_of(env)->context->ecmult_ctx, scratch, &sum, &g, multi_callback, &data, count)) {
        status = NO_MEMORY;
        goto done;
    }
    status = secp256k1_gej_is_infinity(&sum) ? OK : NONZERO_SUM;
done:
    if (scratch != NULL) secp256k1_scratch_destroy(&default_error_callback, scratch);
    free(points);
    free(scalars);
    return status_value(env, status);
}

/*
 * The slot of a mint key (64 bytes x||y), taking the least recently used one for a new key. Slots touched since
 * `pinned_after` belong to the running call (their tables are in use) and are never taken; NULL when all are.
 */
static key_slot *key_slot_for(addon_state *state, const unsigned char *key, uint64_t pinned_after) {
    key_slot *oldest = NULL;
    int i;
    for (i = 0; i < KEY_SLOTS; i++) {
        key_slot *slot = &state->slots[i];
        if (slot->stamp != 0 && memcmp(slot->key, key, 64) == 0) return slot;
        if (slot->stamp <= pinned_after && (oldest == NULL || slot->stamp < oldest->stamp)) oldest = slot;
    }
    if (oldest == NULL) return NULL;
    free(oldest->table);
    memset(oldest, 0, sizeof(*oldest));
    memcpy(oldest->key, key, 64);
    return oldest;
}

/* The comb table of a mint key once it has signed COMB_AFTER_USES outputs; NULL before (Strauss is cheaper for a few). */
static const comb_table *key_table(addon_state *state, const secp256k1_ge *point, uint32_t uses, uint64_t pinned_after) {
    unsigned char key[64];
    secp256k1_fe x = point->x, y = point->y;
    key_slot *slot, *evict = NULL;
    int i, tables = 0;
    secp256k1_fe_normalize_var(&x);
    secp256k1_fe_normalize_var(&y);
    secp256k1_fe_get_b32(key, &x);
    secp256k1_fe_get_b32(key + 32, &y);
    slot = key_slot_for(state, key, pinned_after);
    if (slot == NULL) return NULL;
    slot->stamp = ++state->clock;
    slot->uses += uses;
    if (slot->table != NULL || slot->uses < COMB_AFTER_USES) return slot->table;
    for (i = 0; i < KEY_SLOTS; i++) {
        key_slot *other = &state->slots[i];
        if (other->table == NULL) continue;
        tables++;
        if (other->stamp <= pinned_after && (evict == NULL || other->stamp < evict->stamp)) evict = other;
    }
    if (tables >= MAX_KEY_TABLES) {
        if (evict == NULL) return NULL;
        free(evict->table);
        evict->table = NULL;
    }
    slot->table = comb_build(point);
    return slot->table;
}

static void write_hex(secp256k1_sha256 *hash, const unsigned char *bytes, size_t length) {
    static const char digits[] = "0123456789abcdef";
    char hex[130];
    size_t i;
    for (i = 0; i < length; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    secp256k1_sha256_write(hash, (const unsigned char *)hex, 2 * length);
}

/* the distinct mint keys of one call (a keyset has one per amount) */
#define MAX_CALL_KEYS 64

typedef struct {
    unsigned char *bytes;
    size_t length;
    secp256k1_ge point;
    const comb_table *table;
    uint32_t uses;
    int valid;
} call_key;

typedef struct {
    call_key *key;
    secp256k1_ge C_;
    secp256k1_scalar e;
    int status;
} dleq_item;

/* The call_key of A's bytes: found, added, or parsed on its own into `single` once MAX_CALL_KEYS are taken. */
static call_key *find_key(call_key *keys, uint32_t *key_count, unsigned char *bytes, size_t length, call_key *single) {
    uint32_t k;
    for (k = 0; k < *key_count; k++)
        if (keys[k].length == length && memcmp(keys[k].bytes, bytes, length) == 0) return &keys[k];
    if (*key_count == MAX_CALL_KEYS) {
        memset(single, 0, sizeof(*single));
        single->bytes = bytes;
        single->length = length;
        single->valid = secp256k1_eckey_pubkey_parse(&single->point, bytes, length);
        return single;
    }
    keys[*key_count].bytes = bytes;
    keys[*key_count].length = length;
    return &keys[(*key_count)++];
}

/*
 * dleqUnblindBatch(out, A[], B_[], C_[], e[], s[], r[]) -> status. For each blind signature i, NUT-12's
 * R1 = s*G - e*A, R2 = s*B_ - e*C_, the check e == SHA256(hex(R1) || hex(R2) || hex(A) || hex(C_)) over uncompressed
 * points, and the unblinding C = C_ - r*A; all points of the batch brought to affine with one inversion. Writes 34 bytes
 * per signature: a status (OK, BAD_POINT, BAD_SCALAR (e or s zero or >= n, r zero or >= n), INFINITY_RESULT,
 * PROOF_MISMATCH), then C compressed when OK.
 */
static napi_value dleq_unblind_batch(napi_env env, napi_callback_info info) {
    size_t argc = 7;
    napi_value argv[7], element;
    unsigned char *out;
    size_t out_length;
    uint32_t count, lengths[6], key_count = 0, i, j;
    addon_state *state = state_of(env);
    uint64_t call_start = state->clock;
    call_key keys[MAX_CALL_KEYS], *singles = NULL;
    dleq_item *items = NULL;
    secp256k1_gej *sums = NULL;
    secp256k1_ge *results = NULL;
    int status = OK;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 7 || !get_bytes(env, argv[0], &out, &out_length)) return status_value(env, BAD_ARGUMENTS);
    for (j = 0; j < 6; j++)
        if (!array_length(env, argv[j + 1], &lengths[j]) || lengths[j] != lengths[0]) return status_value(env, BAD_ARGUMENTS);
    count = lengths[0];
    if (out_length != (size_t)count * 34) return status_value(env, BAD_ARGUMENTS);
    if (count == 0) return status_value(env, OK);
    items = calloc(count, sizeof(dleq_item));
    singles = calloc(count, sizeof(call_key));
    sums = malloc(3 * (size_t)count * sizeof(secp256k1_gej));
    results = malloc(3 * (size_t)count * sizeof(secp256k1_ge));
    if (items == NULL || singles == NULL || sums == NULL || results == NULL || g_table(state) == NULL) {
        status = NO_MEMORY;
        goto done;
    }

    /* the mint keys first: each parsed once, and those used often get (or already have) a comb table */
    for (i = 0; i < count; i++) {
        unsigned char *bytes;
        size_t length;
        napi_get_element(env, argv[1], i, &element);
        if (!get_bytes(env, element, &bytes, &length)) {
            items[i].status = BAD_POINT;
            continue;
        }
        items[i].key = find_key(keys, &key_count, bytes, length, &singles[i]);
        if (items[i].key != &singles[i]) items[i].key->uses++;
    }
    for (j = 0; j < key_count; j++) {
        keys[j].valid = secp256k1_eckey_pubkey_parse(&keys[j].point, keys[j].bytes, keys[j].length);
        if (keys[j].valid) keys[j].table = key_table(state, &keys[j].point, keys[j].uses, call_start);
    }

    for (i = 0; i < count; i++) {
        dleq_item *item = &items[i];
        secp256k1_ge B_;
        secp256k1_gej points[2];
        secp256k1_scalar s, r, scalars[2], zero;
        int code;
        secp256k1_scalar_set_int(&zero, 0);
        secp256k1_gej_set_infinity(&sums[3 * i]);
        secp256k1_gej_set_infinity(&sums[3 * i + 1]);
        secp256k1_gej_set_infinity(&sums[3 * i + 2]);
        if (item->status != OK) continue;
        if (!item->key->valid) {
            item->status = BAD_POINT;
            continue;
        }
        napi_get_element(env, argv[2], i, &element);
        if (!get_point(env, element, &B_)) {
            item->status = BAD_POINT;
            continue;
        }
        napi_get_element(env, argv[3], i, &element);
        if (!get_point(env, element, &item->C_)) {
            item->status = BAD_POINT;
            continue;
        }
        napi_get_element(env, argv[4], i, &element);
        code = get_scalar(env, element, &item->e);
        napi_get_element(env, argv[5], i, &element);
        if (code == OK) code = get_scalar(env, element, &s);
        napi_get_element(env, argv[6], i, &element);
        if (code == OK) code = get_scalar(env, element, &r);
        if (code == OK && (secp256k1_scalar_is_zero(&item->e) || secp256k1_scalar_is_zero(&s) || secp256k1_scalar_is_zero(&r))) code = BAD_SCALAR;
        if (code != OK) {
            item->status = BAD_SCALAR;
            continue;
        }

        /* R1 = s*G - e*A */
        if (item->key->table != NULL) {
            comb_add(&sums[3 * i], state->g_table, &s, 0);
            comb_add(&sums[3 * i], item->key->table, &item->e, 1);
        } else {
            secp256k1_scalar minus_e;
            secp256k1_scalar_negate(&minus_e, &item->e);
            secp256k1_gej_set_ge(&points[0], &item->key->point);
            ecmult2(state->context, &sums[3 * i], 1, points, &minus_e, &s);
        }
        /* R2 = s*B_ - e*C_ */
        secp256k1_gej_set_ge(&points[0], &B_);
        secp256k1_gej_set_ge(&points[1], &item->C_);
        scalars[0] = s;
        secp256k1_scalar_negate(&scalars[1], &item->e);
        ecmult2(state->context, &sums[3 * i + 1], 2, points, scalars, &zero);
        /* C = C_ - r*A */
        secp256k1_gej_set_ge(&sums[3 * i + 2], &item->C_);
        if (item->key->table != NULL) {
            comb_add(&sums[3 * i + 2], item->key->table, &r, 1);
        } else {
            secp256k1_gej product;
            secp256k1_scalar_negate(&r, &r);
            secp256k1_gej_set_ge(&points[0], &item->key->point);
            ecmult2(state->context, &product, 1, points, &r, &zero);
            secp256k1_gej_add_var(&sums[3 * i + 2], &sums[3 * i + 2], &product, NULL);
        }
    }
    /* left alone by secp256k1_ge_set_all_gej_var when every sum is at infinity */
    for (i = 0; i < 3 * count; i++) results[i].infinity = 1;
    secp256k1_ge_set_all_gej_var(results, sums, 3 * (size_t)count);

    for (i = 0; i < count; i++) {
        dleq_item *item = &items[i];
        unsigned char *slot = out + 34 * (size_t)i, point[65], digest[32], expected[32];
        secp256k1_ge A;
        secp256k1_sha256 hash;
        memset(slot, 0, 34);
        if (item->status == OK && (secp256k1_ge_is_infinity(&results[3 * i]) || secp256k1_ge_is_infinity(&results[3 * i + 1]) ||
                                   secp256k1_ge_is_infinity(&results[3 * i + 2])))
            item->status = INFINITY_RESULT;
        if (item->status != OK) {
            slot[0] = (unsigned char)item->status;
            continue;
        }
        A = item->key->point;
        secp256k1_sha256_initialize(&hash);
        serialize(&results[3 * i], point, 0);
        write_hex(&hash, point, 65);
        serialize(&results[3 * i + 1], point, 0);
        write_hex(&hash, point, 65);
        serialize(&A, point, 0);
        write_hex(&hash, point, 65);
        serialize(&item->C_, point, 0);
        write_hex(&hash, point, 65);
        secp256k1_sha256_finalize(&hash, digest);
        secp256k1_scalar_get_b32(expected, &item->e);
        if (memcmp(digest, expected, 32) != 0) {
            slot[0] = PROOF_MISMATCH;
            continue;
        }
        serialize(&results[3 * i + 2], slot + 1, 1);
    }
done:
    free(items);
    free(singles);
    free(sums);
    free(results);
    return status_value(env, status);
}

/* SHA256(SHA256(tag) || SHA256(tag) || ...) started: BIP340's tagged hash. */
static void tagged_hash_start(secp256k1_sha256 *hash, const char *tag) {
    unsigned char tag_hash[32];
    secp256k1_sha256_initialize(hash);
    secp256k1_sha256_write(hash, (const unsigned char *)tag, strlen(tag));
    secp256k1_sha256_finalize(hash, tag_hash);
    secp256k1_sha256_initialize(hash);
    secp256k1_sha256_write(hash, tag_hash, 32);
    secp256k1_sha256_write(hash, tag_hash, 32);
}

/* BIP340's tagged hash of three 32-byte parts. */
static void tagged_hash3(unsigned char *out32, const char *tag, const unsigned char *a, const unsigned char *b, const unsigned char *c) {
    secp256k1_sha256 hash;
    tagged_hash_start(&hash, tag);
    secp256k1_sha256_write(&hash, a, 32);
    secp256k1_sha256_write(&hash, b, 32);
    secp256k1_sha256_write(&hash, c, 32);
    secp256k1_sha256_finalize(&hash, out32);
}

/*
 * signSchnorr(out, digests[], secret, auxes[]) -> status: BIP340 signatures (64 bytes each into out) of 32-byte digests
 * under one key; P = d*G is computed once and kept for the next call with the same key. Constant time in the key and
 * nonces (secp256k1_ecmult_gen, scalar arithmetic).
 */
static int same_secret(const unsigned char *a, const unsigned char *b) {
    unsigned char diff = 0;
    int i;
    for (i = 0; i < 32; i++) diff |= a[i] ^ b[i];
    return diff == 0;
}

static napi_value sign_schnorr(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], element;
    unsigned char *out, *secret, *digest, *aux, px[32], t[32], rand[32], rx[32], e_bytes[32];
    size_t out_length, length;
    uint32_t count, aux_count, i;
    addon_state *state = state_of(env);
    const secp256k1_context *context = state->context;
    secp256k1_scalar d, k, e;
    secp256k1_gej pj, rj;
    secp256k1_ge p, r;
    secp256k1_sha256 hash;
    int overflow, j, status = OK;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 4 || !get_bytes(env, argv[0], &out, &out_length) || !array_length(env, argv[1], &count) || !array_length(env, argv[3], &aux_count) ||
        count != aux_count || out_length != (size_t)count * 64 || !get_bytes(env, argv[2], &secret, &length) || length != 32)
        return status_value(env, BAD_ARGUMENTS);
    secp256k1_scalar_set_b32(&d, secret, &overflow);
    if (overflow || secp256k1_scalar_is_zero(&d)) {
        secp256k1_scalar_clear(&d);
        return status_value(env, BAD_SCALAR);
    }
    if (!state->signer_known || !same_secret(state->signer_secret, secret)) {
        secp256k1_ecmult_gen(&context->ecmult_gen_ctx, &pj, &d);
        secp256k1_ge_set_gej(&p, &pj);
        secp256k1_fe_normalize(&p.y);
        secp256k1_fe_normalize(&p.x);
        secp256k1_fe_get_b32(state->signer_px, &p.x);
        state->signer_odd = secp256k1_fe_is_odd(&p.y);
        memcpy(state->signer_secret, secret, 32);
        state->signer_known = 1;
    }
    secp256k1_scalar_cond_negate(&d, state->signer_odd);
    memcpy(px, state->signer_px, 32);
    for (i = 0; i < count && status == OK; i++) {
        napi_get_element(env, argv[1], i, &element);
        if (!get_bytes(env, element, &digest, &length) || length != 32) {
            status = BAD_ARGUMENTS;
            break;
        }
        napi_get_element(env, argv[3], i, &element);
        if (!get_bytes(env, element, &aux, &length) || length != 32) {
            status = BAD_ARGUMENTS;
            break;
        }
        /* t = bytes(d) xor hash_aux(aux); k0 = hash_nonce(t || P.x || m) mod n */
        tagged_hash_start(&hash, "BIP0340/aux");
        secp256k1_sha256_write(&hash, aux, 32);
        secp256k1_sha256_finalize(&hash, t);
        secp256k1_scalar_get_b32(rand, &d);
        for (j = 0; j < 32; j++) t[j] ^= rand[j];
        tagged_hash3(rand, "BIP0340/nonce", t, px, digest);
        secp256k1_scalar_set_b32(&k, rand, NULL);
        if (secp256k1_scalar_is_zero(&k)) {
            status = BAD_SCALAR;
            break;
        }
        secp256k1_ecmult_gen(&context->ecmult_gen_ctx, &rj, &k);
        secp256k1_ge_set_gej(&r, &rj);
        secp256k1_fe_normalize(&r.y);
        secp256k1_fe_normalize(&r.x);
        secp256k1_scalar_cond_negate(&k, secp256k1_fe_is_odd(&r.y));
        secp256k1_fe_get_b32(rx, &r.x);
        /* e = hash_challenge(R.x || P.x || m) mod n; s = k + e*d */
        tagged_hash3(e_bytes, "BIP0340/challenge", rx, px, digest);
        secp256k1_scalar_set_b32(&e, e_bytes, NULL);
        secp256k1_scalar_mul(&e, &e, &d);
        secp256k1_scalar_add(&e, &e, &k);
        memcpy(out + 64 * (size_t)i, rx, 32);
        secp256k1_scalar_get_b32(out + 64 * (size_t)i + 32, &e);
    }
    secp256k1_scalar_clear(&d);
    secp256k1_scalar_clear(&k);
    memset(t, 0, sizeof(t));
    memset(rand, 0, sizeof(rand));
    if (status != OK) memset(out, 0, out_length);
    return status_value(env, status);
}

/*
 * hashToCurveBlind(outY, outB, messageHashes[], r[]) -> status. NUT-00 blinding of many secrets in one call, given each
 * secret's SHA256(domain || secret): hash_to_curve's Y = 02 || SHA256(msg_hash || counter as 4 bytes little-endian)
 * for the first counter whose x is on the curve (the square root that finds its y is the check), then
 * B_ = Y + r*G with G's comb table, every B_ brought to affine with one inversion. The published bindings check a
 * candidate and parse Y again for the blinding: two square roots and an inversion more per output. Writes 33 bytes
 * per item into outY and into outB; BAD_SCALAR for an r that is zero or >= n.
 */
static napi_value hash_to_curve_blind(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], element;
    unsigned char *out_y, *out_b;
    size_t y_length, b_length;
    uint32_t count, r_count, i;
    addon_state *state = state_of(env);
    secp256k1_gej *sums = NULL;
    secp256k1_ge *results = NULL;
    int status = OK;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 4 || !get_bytes(env, argv[0], &out_y, &y_length) || !get_bytes(env, argv[1], &out_b, &b_length)) return status_value(env, BAD_ARGUMENTS);
    if (!array_length(env, argv[2], &count) || !array_length(env, argv[3], &r_count) || r_count != count) return status_value(env, BAD_ARGUMENTS);
    if (y_length != 33 * (size_t)count || b_length != 33 * (size_t)count) return status_value(env, BAD_ARGUMENTS);
    if (count == 0) return status_value(env, OK);
    sums = malloc((size_t)count * sizeof(secp256k1_gej));
    results = malloc((size_t)count * sizeof(secp256k1_ge));
    if (sums == NULL || results == NULL || g_table(state) == NULL) {
        status = NO_MEMORY;
        goto done;
    }
    for (i = 0; i < count; i++) {
        unsigned char *message_hash, counter[4], x[32];
        size_t length;
        secp256k1_scalar r;
        secp256k1_fe fx;
        secp256k1_ge Y;
        uint32_t c;
        int found = 0;
        napi_get_element(env, argv[2], i, &element);
        if (!get_bytes(env, element, &message_hash, &length) || length != 32) {
            status = BAD_ARGUMENTS;
            goto done;
        }
        napi_get_element(env, argv[3], i, &element);
        if ((status = get_scalar(env, element, &r)) != OK) goto done;
        if (secp256k1_scalar_is_zero(&r)) {
            status = BAD_SCALAR;
            goto done;
        }
        for (c = 0; c < 0x10000 && !found; c++) {
            secp256k1_sha256 hash;
            counter[0] = (unsigned char)c;
            counter[1] = (unsigned char)(c >> 8);
            counter[2] = counter[3] = 0;
            secp256k1_sha256_initialize(&hash);
            secp256k1_sha256_write(&hash, message_hash, 32);
            secp256k1_sha256_write(&hash, counter, 4);
            secp256k1_sha256_finalize(&hash, x);
            found = secp256k1_fe_set_b32(&fx, x) && secp256k1_ge_set_xo_var(&Y, &fx, 0);
        }
        if (!found) {
            status = BAD_POINT; /* no x on the curve in 65,536 tries: odds of 2^-65536 */
            goto done;
        }
        out_y[33 * (size_t)i] = 2;
        memcpy(out_y + 33 * (size_t)i + 1, x, 32);
        secp256k1_gej_set_ge(&sums[i], &Y);
        comb_add(&sums[i], state->g_table, &r, 0);
        if (secp256k1_gej_is_infinity(&sums[i])) {
            status = INFINITY_RESULT;
            goto done;
        }
    }
    secp256k1_ge_set_all_gej_var(results, sums, count);
    for (i = 0; i < count; i++) serialize(&results[i], out_b + 33 * (size_t)i, 1);
done:
    free(sums);
    free(results);
    if (status != OK) {
        memset(out_y, 0, y_length);
        memset(out_b, 0, b_length);
    }
    return status_value(env, status);
}

/* addBase(out33|out65, P, k) -> status: P + k*G with G's comb table (blinding B_ = Y + r*G), compressed into 33 bytes or uncompressed into 65. */
static napi_value add_base(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    unsigned char *out;
    size_t out_length;
    addon_state *state = state_of(env);
    secp256k1_ge point;
    secp256k1_gej sum;
    secp256k1_scalar k;
    int status;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 3 || !get_bytes(env, argv[0], &out, &out_length) || (out_length != 33 && out_length != 65)) return status_value(env, BAD_ARGUMENTS);
    if (!get_point(env, argv[1], &point)) return status_value(env, BAD_POINT);
    if ((status = get_scalar(env, argv[2], &k)) != OK) return status_value(env, status);
    if (g_table(state) == NULL) return status_value(env, NO_MEMORY);
    secp256k1_gej_set_ge(&sum, &point);
    comb_add(&sum, state->g_table, &k, 0);
    if (secp256k1_gej_is_infinity(&sum)) return status_value(env, INFINITY_RESULT);
    secp256k1_ge_set_gej_var(&point, &sum);
    serialize(&point, out, out_length == 33);
    return status_value(env, OK);
}

static napi_value init(napi_env env, napi_value exports) {
    static const struct {
        const char *name;
        napi_callback fn;
    } functions[] = {{"combine", combine}, {"isZeroSum", is_zero_sum}, {"dleqUnblindBatch", dleq_unblind_batch}, {"signSchnorr", sign_schnorr}, {"addBase", add_base}, {"hashToCurveBlind", hash_to_curve_blind}};
    addon_state *state = calloc(1, sizeof(addon_state));
    napi_value fn;
    size_t i;
    if (state == NULL) return NULL;
    state->context = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    napi_set_instance_data(env, state, state_free, NULL);
    for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn);
        napi_set_named_property(env, exports, functions[i].name, fn);
    }
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
