package dev.nibble.models.common.tokenizer;

/**
 * A token registered on top of the base vocabulary (special tokens, {@code <extra_id_N>}, SDXL's
 * {@code !} pad token). Such tokens are cut out of the text before the model's own segmentation,
 * with the whitespace handling flags of transformers' {@code AddedToken}.
 *
 * @param lstrip     eat whitespace on the left of the token
 * @param rstrip     eat whitespace on the right of the token
 * @param singleWord only match when not glued to a neighbouring word
 */
record AddedToken(String content, int id, boolean lstrip, boolean rstrip, boolean singleWord, boolean special) {

    static AddedToken plain(String content, int id) {
        return new AddedToken(content, id, false, false, false, true);
    }
}
