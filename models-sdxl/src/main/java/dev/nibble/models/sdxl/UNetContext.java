package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.Value;

/**
 * What every U-Net block reads besides its input: the config, the time embedding after the resnets'
 * activation ({@code act(emb)}, computed once: every ResnetBlock2D applies the same activation to the same
 * embedding before its own time_emb_proj) and the text context for the cross-attentions.
 *
 * @param tembAct              act(emb) [B, time_embed_dim]
 * @param encoderHiddenStates  [B, L, cross_attention_dim]
 */
record UNetContext(UNet2DConditionConfig config, Value tembAct, Value encoderHiddenStates) {
}
