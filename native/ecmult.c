/*
 * a*P + b*Q + g*G on secp256k1 in one variable-time Strauss pass (`combine`), and the wallet's per-output step
 * built from three of them (`dleqUnblind`): libsecp256k1's own
 * secp256k1_ecmult_strauss_wnaf, compiled from the library source the `secp256k1` npm package ships
 * (scripts/build-native.mjs). The published bindings only offer one multiplication per call, each
 * with its own parse, table and inversion; checking a NUT-12 DLEQ proof takes three of them plus two
 * additions, a BIP340 signature two, unblinding two. Variable time, like the bindings' own tweak
 * multiplication (the same routine): not for long-term private keys.
 */
#include <node_api.h>
#include "secp256k1.c"

static secp256k1_context *context;

enum { OK = 0, BAD_POINT = 1, BAD_SCALAR = 2, INFINITY_RESULT = 3, BAD_ARGUMENTS = 4 };

/* r = sum(na[i]*a[i]) + ng*G for num <= 2 points, Strauss with the endomorphism, as secp256k1_ecmult does for one. */
static void ecmult2(secp256k1_gej *r, int num, const secp256k1_gej *a, const secp256k1_scalar *na, const secp256k1_scalar *ng) {
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

/* 0 ok, BAD_SCALAR when the 32 bytes are >= n (or not 32 bytes: BAD_ARGUMENTS) */
static int get_scalar(napi_env env, napi_value value, secp256k1_scalar *scalar) {
    unsigned char *bytes;
    size_t length;
    int overflow;
    if (!get_bytes(env, value, &bytes, &length) || length != 32) return BAD_ARGUMENTS;
    secp256k1_scalar_set_b32(scalar, bytes, &overflow);
    return overflow ? BAD_SCALAR : OK;
}

/* combine(out65, points[], scalars[], gScalar|null) -> status; writes the uncompressed sum into out65. */
static napi_value combine(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4], result, element;
    unsigned char *out;
    size_t out_length, length;
    uint32_t count, scalar_count, i;
    secp256k1_gej points[2], sum;
    secp256k1_scalar scalars[2], g;
    secp256k1_ge ge;
    napi_valuetype g_type;
    int status = OK;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 4 || !get_bytes(env, argv[0], &out, &out_length) || out_length != 65 ||
        napi_get_array_length(env, argv[1], &count) != napi_ok || napi_get_array_length(env, argv[2], &scalar_count) != napi_ok ||
        count > 2 || count != scalar_count) {
        status = BAD_ARGUMENTS;
        goto done;
    }
    for (i = 0; i < count; i++) {
        napi_get_element(env, argv[1], i, &element);
        if (!get_point(env, element, &ge)) { status = BAD_POINT; goto done; }
        secp256k1_gej_set_ge(&points[i], &ge);
        napi_get_element(env, argv[2], i, &element);
        if ((status = get_scalar(env, element, &scalars[i])) != OK) goto done;
    }
    secp256k1_scalar_set_int(&g, 0);
    napi_typeof(env, argv[3], &g_type);
    if (g_type != napi_null && g_type != napi_undefined && (status = get_scalar(env, argv[3], &g)) != OK) goto done;
    ecmult2(&sum, (int)count, points, scalars, &g);
    if (secp256k1_gej_is_infinity(&sum)) { status = INFINITY_RESULT; goto done; }
    secp256k1_ge_set_gej_var(&ge, &sum);
    length = 65;
    secp256k1_eckey_pubkey_serialize(&ge, out, &length, 0);
done:
    napi_create_int32(env, status, &result);
    return result;
}

/*
 * dleqUnblind(out228, A, B_, C_, e, s, r) -> status. One blind signature's NUT-12 points and its unblinding:
 * R1 = s*G - e*A, R2 = s*B_ - e*C_, C = C_ - r*A, brought to affine with one shared inversion. Writes
 * R1 (65, uncompressed) | R2 (65) | C_ (65, uncompressed, as hash_e wants it) | C (33, compressed).
 * The caller hashes R1, R2, A, C_ and compares with e; nothing here decides validity.
 */
static napi_value dleq_unblind(napi_env env, napi_callback_info info) {
    size_t argc = 7;
    napi_value argv[7], result;
    unsigned char *out;
    size_t out_length, length;
    secp256k1_ge A, B, C_, results[3];
    secp256k1_gej points[2], sums[3];
    secp256k1_scalar e, s, r, scalars[2], zero;
    int status = OK, i;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 7 || !get_bytes(env, argv[0], &out, &out_length) || out_length != 228) { status = BAD_ARGUMENTS; goto done; }
    if (!get_point(env, argv[1], &A) || !get_point(env, argv[2], &B) || !get_point(env, argv[3], &C_)) { status = BAD_POINT; goto done; }
    if ((status = get_scalar(env, argv[4], &e)) != OK || (status = get_scalar(env, argv[5], &s)) != OK || (status = get_scalar(env, argv[6], &r)) != OK) goto done;
    secp256k1_scalar_set_int(&zero, 0);
    secp256k1_scalar_negate(&e, &e);
    secp256k1_scalar_negate(&r, &r);

    secp256k1_gej_set_ge(&points[0], &A);
    ecmult2(&sums[0], 1, points, &e, &s); /* R1 = -e*A + s*G */
    secp256k1_gej_set_ge(&points[0], &B);
    secp256k1_gej_set_ge(&points[1], &C_);
    scalars[0] = s;
    scalars[1] = e;
    ecmult2(&sums[1], 2, points, scalars, &zero); /* R2 = s*B_ - e*C_ */
    secp256k1_gej_set_ge(&points[0], &A);
    ecmult2(&sums[2], 1, points, &r, &zero); /* -r*A */
    secp256k1_gej_add_ge_var(&sums[2], &sums[2], &C_, NULL); /* C = C_ - r*A */
    for (i = 0; i < 3; i++) if (secp256k1_gej_is_infinity(&sums[i])) { status = INFINITY_RESULT; goto done; }
    secp256k1_ge_set_all_gej_var(results, sums, 3);

    length = 65;
    secp256k1_eckey_pubkey_serialize(&results[0], out, &length, 0);
    secp256k1_eckey_pubkey_serialize(&results[1], out + 65, &length, 0);
    secp256k1_eckey_pubkey_serialize(&C_, out + 130, &length, 0);
    length = 33;
    secp256k1_eckey_pubkey_serialize(&results[2], out + 195, &length, 1);
done:
    napi_create_int32(env, status, &result);
    return result;
}

static napi_value init(napi_env env, napi_value exports) {
    napi_value fn;
    context = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    napi_create_function(env, "combine", NAPI_AUTO_LENGTH, combine, NULL, &fn);
    napi_set_named_property(env, exports, "combine", fn);
    napi_create_function(env, "dleqUnblind", NAPI_AUTO_LENGTH, dleq_unblind, NULL, &fn);
    napi_set_named_property(env, exports, "dleqUnblind", fn);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
