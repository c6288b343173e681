/*
 * llm-proxy front: reads the JSON body of a model call once, takes the top-level "model", splits an
 * optional "vllm:" / "ollama:" prefix (the same rule as ModelRef.java), and hands the request to a
 * named location that runs auth_request and proxies. Written for njs 0.7 (Debian 12) and later.
 */
var BACKENDS = { vllm: true, ollama: true };
// Printable ASCII without space, quote or backslash: safe in the authz header and inside JSON text.
var VALID_MODEL = /^[!#-\[\]-~]{1,256}$/;
var MODEL_KEY_BEFORE = /"model"\s*:\s*$/;

function fail(r, status, code, message) {
    r.headersOut['Content-Type'] = 'application/json';
    r.return(status, JSON.stringify({ error: { message: message, type: 'invalid_request_error',
                                               param: null, code: code } }) + '\n');
}

/*
 * The body with the model value replaced, every other byte kept (JSON.stringify would turn 1.0 into 1
 * and round a 20-digit seed). Fast path: the model's JSON literal occurs once, right after "model":.
 */
function withModel(raw, parsed, model, name) {
    var literal = JSON.stringify(model);
    var at = raw.indexOf(literal);
    if (at > 0 && raw.indexOf(literal, at + literal.length) === -1
        && MODEL_KEY_BEFORE.test(raw.slice(at > 64 ? at - 64 : 0, at))) {
        return raw.slice(0, at) + JSON.stringify(name) + raw.slice(at + literal.length);
    }
    parsed.model = name;
    return JSON.stringify(parsed);
}

function route(r) {
    if (r.method !== 'POST') {
        return fail(r, 405, 'method_not_allowed', 'Method ' + r.method + ' is not allowed on ' + r.uri + '.');
    }
    var raw;
    try {
        raw = r.requestText;
    } catch (e) {   // njs 0.7 throws when the body went to a temp file; the buffer size prevents that
        return fail(r, 413, 'request_too_large', 'Request body is too large.');
    }
    if (!raw) {
        return fail(r, 400, 'invalid_json', 'We could not parse the JSON body of your request. It must be a JSON object.');
    }
    var body;
    try {
        body = JSON.parse(raw);
    } catch (e) {
        return fail(r, 400, 'invalid_json', 'We could not parse the JSON body of your request. It must be a JSON object.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return fail(r, 400, 'invalid_json', 'We could not parse the JSON body of your request. It must be a JSON object.');
    }
    var model = body.model;
    if (model === undefined || model === null || model === '') {
        return fail(r, 400, 'missing_model', 'You must provide a model parameter.');
    }
    if (typeof model !== 'string' || !VALID_MODEL.test(model)) {
        return fail(r, 400, 'invalid_model',
                    'The model parameter must be 1-256 printable ASCII characters without spaces, quotes or backslashes.');
    }

    var backend = r.variables.llm_default_backend;
    var name = model;
    var colon = model.indexOf(':');
    if (colon > 0 && BACKENDS[model.slice(0, colon)] === true) {
        backend = model.slice(0, colon);
        name = model.slice(colon + 1);
    }
    r.variables.llm_model = model;
    r.variables.llm_backend = backend;

    if (backend === 'vllm' && name !== model) {
        r.variables.llm_body = withModel(raw, body, model, name);
        r.internalRedirect('@llm_rewritten');
    } else if (backend === 'ollama') {
        r.internalRedirect('@llm_sidecar');   // body untouched; the sidecar strips an ollama: prefix itself
    } else {
        r.internalRedirect('@llm');
    }
}

export default { route };
