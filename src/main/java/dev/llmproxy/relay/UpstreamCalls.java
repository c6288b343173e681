package dev.llmproxy.relay;

import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.upstream.Http1Client;
import java.io.IOException;
import java.net.SocketTimeoutException;

/** Runs a call to a model backend, with the one mapping of its failures to what the client is told. */
final class UpstreamCalls {
    /** An error answer longer than this is cut: its message is in the first bytes, and a client waits. */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private UpstreamCalls() {}

    /** The body of an error answer, at most {@link #MAX_ERROR_BODY} bytes, then closed; empty if it cannot be read. */
    static byte[] errorBody(Http1Client.Response response) {
        try {
            return response.readBody(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * The answer's head, or: {@link ClientGone} when the client left (and so the call was cancelled), 502
     * when the backend cannot be reached or breaks the connection, 504 when it does not answer in time.
     */
    static Http1Client.Response execute(Http1Client.Call call, ClientChannel client, String backend) {
        try {
            return call.execute();
        } catch (IOException e) {
            if (client.gone() || call.cancelled()) {
                throw new ClientGone();
            }
            if (e instanceof Http1Client.ConnectFailedException) {
                FailureLog.failed(backend, "is unreachable: " + e.getMessage());
                throw new ApiException(ErrorCode.BACKEND_UNAVAILABLE.error(backend));
            }
            if (e instanceof SocketTimeoutException) {
                FailureLog.failed(backend, "did not answer in time");
                throw new ApiException(ErrorCode.BACKEND_TIMEOUT.error(backend));
            }
            FailureLog.failed(backend, "broke the connection: " + e.getClass().getSimpleName());
            throw new ApiException(ErrorCode.BACKEND_ERROR.error(backend, "the connection broke before its answer."));
        }
    }
}
