package dev.llmproxy.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.support.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/chat/completions} → Ollama's {@code /api/chat}, field by field as Ollama's own OpenAI
 * layer does it, except where that layer is silently wrong: {@code max_completion_tokens} is honoured,
 * {@code n > 1} is refused rather than ignored, {@code tool_choice: "none"} withholds the tools, array
 * content stays one message (text parts joined by newlines, images attached), and no sampling default is
 * forced on the model when the client sets none.
 */
public final class ChatRequests {
    /** What the relay needs: the native request and how to answer. */
    public record Call(OllamaWire.ChatRequest request, boolean stream, boolean includeUsage) {}

    private static final Pattern DATA_URL =
            Pattern.compile("data:(?:image/(?:jpeg|jpg|png|webp))?;base64,(.+)", Pattern.DOTALL);

    private ChatRequests() {}

    public static Call translate(JsonNode body, String model) {
        FieldTypes.check(body, FieldTypes.CHAT);
        Fields.onlyOne(body, "n");
        boolean stream = Fields.bool(body, "stream", false);
        boolean includeUsage = Fields.includeUsage(body);
        JsonNode tools = tools(body);
        var request = new OllamaWire.ChatRequest(
                model,
                messages(body.get("messages")),
                tools,
                Fields.format(body),
                Fields.options(body),
                stream,
                Fields.think(body));
        return new Call(request, stream, includeUsage);
    }

    private static JsonNode tools(JsonNode body) {
        if (!Fields.present(body, "tools")) {
            return null;
        }
        JsonNode tools = body.get("tools");
        if (!tools.isArray()) {
            throw new InvalidRequest("tools", "tools must be an array.");
        }
        for (int i = 0; i < tools.size(); i++) {
            if (!tools.get(i).path("function").path("name").isTextual()) {
                throw new InvalidRequest("tools", "tools[" + i + "].function.name is required.");
            }
        }
        if ("none".equals(toolChoice(body))) {
            return null; // the client forbids tool calls: the model must not see any
        }
        return tools.isEmpty() ? null : tools;
    }

    /** {@code tool_choice}: none, auto, required, or a named function; Ollama can honour only "none". */
    private static String toolChoice(JsonNode body) {
        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.textValue()) {
                case "none", "auto", "required" -> choice.textValue();
                default ->
                    throw new InvalidRequest(
                            "tool_choice", "tool_choice must be none, auto, required or an object naming a function.");
            };
        }
        if (!choice.path("function").path("name").isTextual()) {
            throw new InvalidRequest("tool_choice", "tool_choice.function.name is required.");
        }
        return "function";
    }

    private static List<OllamaWire.Message> messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new InvalidRequest("messages", "messages must be a non-empty array.");
        }
        List<OllamaWire.Message> out = new ArrayList<>(messages.size());
        Map<String, String> toolNamesById = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]", toolNamesById));
        }
        return out;
    }

    private static OllamaWire.Message message(JsonNode m, String where, Map<String, String> toolNamesById) {
        if (!m.isObject()) {
            throw new InvalidRequest("messages", where + " must be an object.");
        }
        FieldTypes.check(m, FieldTypes.CHAT_MESSAGE, "messages", where + ".");
        String role = m.path("role").asText("").toLowerCase(Locale.ROOT);
        switch (role) {
            case "system", "user", "assistant", "tool" -> {}
            case "developer" -> role = "system"; // OpenAI's newer name for system instructions
            default ->
                throw new InvalidRequest(
                        "messages", where + ".role must be system, developer, user, assistant or tool.");
        }
        List<OllamaWire.ToolCall> toolCalls =
                role.equals("assistant") ? toolCalls(m.get("tool_calls"), where, toolNamesById) : null;
        List<String> images = new ArrayList<>();
        String content = content(m.get("content"), where, images, toolCalls != null || role.equals("assistant"));
        String thinking = role.equals("assistant") ? firstText(m, "reasoning", "reasoning_content") : null;
        String toolName = null;
        String toolCallId = null;
        if (role.equals("tool")) {
            toolCallId =
                    m.path("tool_call_id").isTextual() ? m.get("tool_call_id").textValue() : null;
            toolName = m.path("name").isTextual() ? m.get("name").textValue() : toolNamesById.get(toolCallId);
        }
        return new OllamaWire.Message(
                role, content, thinking, images.isEmpty() ? null : images, toolCalls, toolName, toolCallId);
    }

    private static String firstText(JsonNode m, String... fields) {
        for (String f : fields) {
            if (m.path(f).isTextual() && !m.get(f).textValue().isEmpty()) {
                return m.get(f).textValue();
            }
        }
        return null;
    }

    /** String content, or an array of parts: text parts joined by newlines, image parts collected. */
    private static String content(JsonNode content, String where, List<String> images, boolean mayBeEmpty) {
        if (content == null || content.isNull()) {
            if (mayBeEmpty) {
                return "";
            }
            throw new InvalidRequest("messages", where + ".content is required.");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw new InvalidRequest("messages", where + ".content must be a string or an array of content parts.");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String at = where + ".content[" + j + "]";
            switch (part.path("type").asText("")) {
                case "text" -> {
                    if (!part.path("text").isTextual()) {
                        throw new InvalidRequest("messages", at + ".text must be a string.");
                    }
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(part.get("text").textValue());
                }
                case "image_url" -> images.add(image(part.path("image_url"), at));
                case "input_audio" -> {
                    if (!part.path("input_audio").path("data").isTextual()) {
                        throw new InvalidRequest("messages", at + ".input_audio.data must be base64 audio.");
                    }
                    images.add(part.path("input_audio").path("data").textValue()); // where Ollama takes audio
                }
                default -> throw new InvalidRequest("messages", at + ".type must be text, image_url or input_audio.");
            }
        }
        return text.toString();
    }

    private static String image(JsonNode imageUrl, String at) {
        String url = imageUrl.isTextual()
                ? imageUrl.textValue()
                : imageUrl.path("url").asText("");
        if (url.startsWith("http://") || url.startsWith("https://")) {
            // Fetching client-chosen URLs from inside the network would make the gateway an open proxy.
            throw new InvalidRequest(
                    "messages",
                    at + ": image URLs are not supported; send the image inline as a data:image/...;base64, URL.");
        }
        Matcher m = DATA_URL.matcher(url);
        if (!m.matches()) {
            throw new InvalidRequest(
                    "messages", at + ": invalid image; expected a data:image/(jpeg|png|webp);base64, URL.");
        }
        return m.group(1);
    }

    private static List<OllamaWire.ToolCall> toolCalls(
            JsonNode calls, String where, Map<String, String> toolNamesById) {
        if (calls == null || calls.isNull()) {
            return null;
        }
        if (!calls.isArray()) {
            throw new InvalidRequest("messages", where + ".tool_calls must be an array.");
        }
        List<OllamaWire.ToolCall> out = new ArrayList<>();
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            String at = where + ".tool_calls[" + k + "]";
            if (!call.isObject()) {
                throw new InvalidRequest("messages", at + " must be an object.");
            }
            FieldTypes.check(call, FieldTypes.TOOL_CALL, "messages", at + ".");
            JsonNode fn = call.path("function");
            FieldTypes.check(fn, FieldTypes.TOOL_CALL_FUNCTION, "messages", at + ".function.");
            if (!fn.path("name").isTextual()) {
                throw new InvalidRequest("messages", at + ".function.name is required.");
            }
            String rawArgs = fn.path("arguments").asText("");
            JsonNode args;
            try {
                args = rawArgs.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(rawArgs);
            } catch (java.io.IOException e) {
                throw new InvalidRequest(
                        "messages", at + ".function.arguments must be a JSON object encoded as a string.");
            }
            if (!args.isObject()) {
                throw new InvalidRequest(
                        "messages", at + ".function.arguments must be a JSON object encoded as a string.");
            }
            String id = call.path("id").isTextual() ? call.get("id").textValue() : null;
            String name = fn.get("name").textValue();
            if (id != null) {
                toolNamesById.put(id, name);
            }
            out.add(new OllamaWire.ToolCall(id, new OllamaWire.Function(k, name, args)));
        }
        return out.isEmpty() ? null : out;
    }
}
