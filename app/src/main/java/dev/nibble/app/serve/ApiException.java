package dev.nibble.app.serve;

/**
 * A request the demo server answers with an error status and a JSON body
 * {@code {"error": code, "message": message, "status": status}}.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, "too_large", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
