package dev.nibble.quantizer.lora;

/** A LoRA file whose keys, shapes or dtypes this loader does not understand; the message names them. */
public class LoraFormatException extends RuntimeException {
    public LoraFormatException(String message) {
        super(message);
    }
}
