/*
 * Fixed-base multiplication with signed 8-bit comb tables, variable time: k*P as the sum of at most 33
 * table points, no doublings. table[j][d-1] = d * 256^j * P for d = 1..128; a scalar is recoded into 33
 * signed digits in [-128, 128]. A table costs ~4,200 additions and 270 KB to build, so it pays for a base
 * used many times: G (built once) and a mint's key A that signs output after output (kept in a small cache).
 * Variable time, like libsecp256k1's own secp256k1_ecmult: for public scalars and per-output blinding
 * factors, never for a long-term private key.
 */
#define COMB_WINDOWS 33
#define COMB_POINTS 128

typedef struct {
    secp256k1_ge_storage points[COMB_WINDOWS][COMB_POINTS];
} comb_table;

/* Returns NULL when out of memory. */
static comb_table *comb_build(const secp256k1_ge *base) {
    const size_t count = COMB_WINDOWS * COMB_POINTS;
    comb_table *table = malloc(sizeof(comb_table));
    secp256k1_gej *jacobian = malloc(count * sizeof(secp256k1_gej));
    secp256k1_ge *affine = malloc(count * sizeof(secp256k1_ge));
    secp256k1_gej step;
    size_t j, d;
    if (table == NULL || jacobian == NULL || affine == NULL) {
        free(table);
        free(jacobian);
        free(affine);
        return NULL;
    }
    secp256k1_gej_set_ge(&step, base);
    for (j = 0; j < COMB_WINDOWS; j++) {
        secp256k1_gej *row = jacobian + j * COMB_POINTS;
        row[0] = step;
        for (d = 1; d < COMB_POINTS; d++) secp256k1_gej_add_var(&row[d], &row[d - 1], &step, NULL);
        /* 256^(j+1) * P = 2 * (128 * 256^j * P) */
        secp256k1_gej_double_var(&step, &row[COMB_POINTS - 1], NULL);
    }
    secp256k1_ge_set_all_gej_var(affine, jacobian, count);
    for (j = 0; j < count; j++) secp256k1_ge_to_storage(&table->points[j / COMB_POINTS][j % COMB_POINTS], &affine[j]);
    free(jacobian);
    free(affine);
    return table;
}

/* r += (negate ? -k : k) * base, base being the table's point. */
static void comb_add(secp256k1_gej *r, const comb_table *table, const secp256k1_scalar *k, int negate) {
    unsigned char bytes[32];
    secp256k1_ge point;
    int j, carry = 0;
    secp256k1_scalar_get_b32(bytes, k);
    for (j = 0; j <= 32; j++) {
        int digit = (j < 32 ? bytes[31 - j] : 0) + carry;
        if (digit > 128) {
            digit -= 256;
            carry = 1;
        } else {
            carry = 0;
        }
        if (digit == 0) continue;
        secp256k1_ge_from_storage(&point, &table->points[j][(digit < 0 ? -digit : digit) - 1]);
        if ((digit < 0) != (negate != 0)) secp256k1_ge_neg(&point, &point);
        secp256k1_gej_add_ge_var(r, r, &point, NULL);
    }
}
