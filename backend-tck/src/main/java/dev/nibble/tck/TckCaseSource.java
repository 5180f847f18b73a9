package dev.nibble.tck;

import java.util.List;

/**
 * Extra cases for the kit, found through {@link java.util.ServiceLoader}: a module adds a
 * {@code META-INF/services/dev.nibble.tck.TckCaseSource} line naming its implementation. This is
 * where SvdqLinear's cases come from (the SVDQ kernels' owner provides them), and any backend- or
 * model-specific shapes.
 */
public interface TckCaseSource {
    List<TckCase> cases();
}
