package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.support.Json;
import dev.llmproxy.testing.FakeClock;
import dev.llmproxy.testing.WrongTypes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The echo backend with no web server: what a client receives for each endpoint, and what it is refused. */
class EchoRelayTest {
    static final FakeClock CLOCK = new FakeClock();
    static final long CREATED = CLOCK.instant().getEpochSecond();
    static final EchoRelay RELAY = new EchoRelay(CLOCK);
    static final String DONE = "data: [DONE]\n\n";

    /** JSON written with single quotes, for readability. */
    static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static FakeClientChannel serve(Endpoint endpoint, String singleQuoted) {
        var client = new FakeClientChannel();
        RELAY.serve(client, endpoint, json(singleQuoted), "echo-1", "req-1");
        return client;
    }

    static JsonNode whole(FakeClientChannel client) throws Exception {
        assertEquals(200, client.status);
        assertEquals("application/json", client.contentType);
        assertFalse(client.streamed);
        return Json.MAPPER.readTree(client.text());
    }

    /** The events of a stream that ended normally, without its [DONE]. */
    static List<JsonNode> events(FakeClientChannel client) throws Exception {
        assertEquals(200, client.status);
        assertTrue(client.streamed);
        assertEquals("text/event-stream; charset=utf-8", client.contentType);
        assertEquals("no", client.headers.get("X-Accel-Buffering"));
        String text = client.text();
        assertTrue(text.endsWith(DONE), text);
        assertEquals(text.indexOf(DONE), text.length() - DONE.length(), "one [DONE], at the end");
        List<JsonNode> out = new ArrayList<>();
        for (String frame : text.substring(0, text.length() - DONE.length()).split("\n\n")) {
            assertTrue(frame.startsWith("data: {"), frame);
            out.add(Json.MAPPER.readTree(frame.substring("data: ".length())));
        }
        assertEquals(out.size() + 1, client.flushes.size(), "every event, and [DONE], flushed as it was written");
        return out;
    }

    static final String CONVERSATION = "'messages':[{'role':'system','content':'Be brief'},"
            + "{'role':'user','content':'first question'},{'role':'assistant','content':'ok'},"
            + "{'role':'user','content':[{'type':'text','text':'Hello,  wide'},"
            + "{'type':'image_url','image_url':{'url':'https://example.com/a.png'}},{'type':'text','text':'world'}]}]";

    @Test
    void chatAnswersTheLastUserMessageAndCountsWords() throws Exception {
        var client = serve(Endpoint.CHAT_COMPLETIONS, "{'model':'echo:x'," + CONVERSATION + "}");
        JsonNode answer = whole(client);
        assertEquals("chat.completion", answer.path("object").asText());
        assertTrue(answer.path("id").asText().startsWith("chatcmpl-"), answer.toString());
        assertEquals("echo-1", answer.path("model").asText(), "the name the client asked for");
        assertEquals(CREATED, answer.path("created").asLong());
        assertEquals(1, answer.path("choices").size());
        JsonNode choice = answer.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals(
                "Hello,  wide world", choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        // Be brief (2) + first question (2) + ok (1) + Hello, wide world (3); answered: 3.
        assertEquals(8, answer.path("usage").path("prompt_tokens").asLong());
        assertEquals(3, answer.path("usage").path("completion_tokens").asLong());
        assertEquals(11, answer.path("usage").path("total_tokens").asLong());
        assertEquals("8", client.headers.get("X-LLM-Prompt-Tokens"));
        assertEquals("3", client.headers.get("X-LLM-Completion-Tokens"));
    }

    @Test
    void maxTokensCutsTheReplyToThatManyWords() throws Exception {
        String messages = "'messages':[{'role':'user','content':'one two three four'}]";
        JsonNode cut = whole(serve(Endpoint.CHAT_COMPLETIONS, "{'max_tokens':2," + messages + "}"));
        assertEquals("one two", cut.at("/choices/0/message/content").asText());
        assertEquals("length", cut.at("/choices/0/finish_reason").asText());
        assertEquals(2, cut.at("/usage/completion_tokens").asLong());

        JsonNode newer =
                whole(serve(Endpoint.CHAT_COMPLETIONS, "{'max_completion_tokens':3,'max_tokens':1," + messages + "}"));
        assertEquals("one two three", newer.at("/choices/0/message/content").asText(), "the current name wins");

        JsonNode enough = whole(serve(Endpoint.CHAT_COMPLETIONS, "{'max_tokens':4," + messages + "}"));
        assertEquals(
                "one two three four", enough.at("/choices/0/message/content").asText());
        assertEquals("stop", enough.at("/choices/0/finish_reason").asText());
    }

    @Test
    void stopCutsBeforeTheEarliestStopString() throws Exception {
        String messages = "'messages':[{'role':'user','content':'alpha beta. gamma delta'}]";
        JsonNode list = whole(serve(Endpoint.CHAT_COMPLETIONS, "{'stop':['gamma','.']," + messages + "}"));
        assertEquals("alpha beta", list.at("/choices/0/message/content").asText());
        assertEquals("stop", list.at("/choices/0/finish_reason").asText());
        assertEquals(2, list.at("/usage/completion_tokens").asLong());

        JsonNode string = whole(serve(Endpoint.CHAT_COMPLETIONS, "{'stop':'ta'," + messages + "}"));
        assertEquals("alpha be", string.at("/choices/0/message/content").asText());

        JsonNode bothLimits =
                whole(serve(Endpoint.CHAT_COMPLETIONS, "{'stop':'delta','max_tokens':2," + messages + "}"));
        assertEquals("alpha beta.", bothLimits.at("/choices/0/message/content").asText());
        assertEquals("length", bothLimits.at("/choices/0/finish_reason").asText());
    }

    @Test
    void aStreamIsOneChunkPerWordJoiningToTheWholeAnswer() throws Exception {
        String request = "'messages':[{'role':'user','content':' Hello,  wide\\nworld '}]";
        String whole = whole(serve(Endpoint.CHAT_COMPLETIONS, "{" + request + "}"))
                .at("/choices/0/message/content")
                .asText();
        assertEquals(" Hello,  wide\nworld ", whole);

        List<JsonNode> events = events(serve(Endpoint.CHAT_COMPLETIONS, "{'stream':true," + request + "}"));
        assertEquals(5, events.size(), events.toString());
        JsonNode first = events.get(0);
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        assertEquals("", first.at("/choices/0/delta/content").asText());
        List<String> words = new ArrayList<>();
        for (JsonNode e : events.subList(1, 4)) {
            assertTrue(e.at("/choices/0/finish_reason").isNull(), e.toString());
            assertTrue(e.at("/choices/0/delta/role").isMissingNode(), e.toString());
            words.add(e.at("/choices/0/delta/content").asText());
        }
        assertEquals(List.of(" Hello,  ", "wide\n", "world "), words);
        assertEquals(whole, String.join("", words));
        JsonNode last = events.get(4);
        assertEquals("stop", last.at("/choices/0/finish_reason").asText());
        assertEquals(0, last.at("/choices/0/delta").size(), "the finish chunk's delta is empty");
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.path("object").asText());
            assertEquals(first.path("id").asText(), e.path("id").asText());
            assertEquals("echo-1", e.path("model").asText());
            assertTrue(e.path("usage").isMissingNode(), "no usage unless asked: " + e);
        }
    }

    @Test
    void includeUsageAddsAUsageChunkBeforeDone() throws Exception {
        var client = serve(
                Endpoint.CHAT_COMPLETIONS,
                "{'stream':true,'stream_options':{'include_usage':true},'max_tokens':2,"
                        + "'messages':[{'role':'user','content':'a b c'}]}");
        List<JsonNode> events = events(client);
        JsonNode finish = events.get(events.size() - 2);
        assertEquals("length", finish.at("/choices/0/finish_reason").asText());
        JsonNode usage = events.getLast();
        assertEquals(0, usage.path("choices").size());
        assertEquals(3, usage.at("/usage/prompt_tokens").asLong());
        assertEquals(2, usage.at("/usage/completion_tokens").asLong());
        assertEquals(5, usage.at("/usage/total_tokens").asLong());
        assertNull(client.headers.get("X-LLM-Prompt-Tokens"), "a stream's headers left before its usage");
    }

    @Test
    void completionsAnswerOneChoicePerPrompt() throws Exception {
        var client = serve(Endpoint.COMPLETIONS, "{'prompt':['one two three','four five'],'max_tokens':2}");
        JsonNode answer = whole(client);
        assertEquals("text_completion", answer.path("object").asText());
        assertTrue(answer.path("id").asText().startsWith("cmpl-"), answer.toString());
        assertEquals(CREATED, answer.path("created").asLong());
        assertEquals("echo-1", answer.path("model").asText());
        JsonNode choices = answer.path("choices");
        assertEquals(2, choices.size());
        assertEquals("one two", choices.get(0).path("text").asText());
        assertEquals("length", choices.get(0).path("finish_reason").asText());
        assertEquals(0, choices.get(0).path("index").asInt());
        assertEquals("four five", choices.get(1).path("text").asText());
        assertEquals("stop", choices.get(1).path("finish_reason").asText());
        assertEquals(1, choices.get(1).path("index").asInt());
        assertEquals(5, answer.at("/usage/prompt_tokens").asLong());
        assertEquals(4, answer.at("/usage/completion_tokens").asLong());
        assertEquals("5", client.headers.get("X-LLM-Prompt-Tokens"));
        assertEquals("4", client.headers.get("X-LLM-Completion-Tokens"));

        JsonNode echoed = whole(serve(Endpoint.COMPLETIONS, "{'prompt':'Say hi ','echo':true}"));
        assertEquals("Say hi Say hi ", echoed.at("/choices/0/text").asText(), "echo: the prompt, then the answer");
        assertEquals(2, echoed.at("/usage/completion_tokens").asLong());
    }

    @Test
    void streamedCompletionsJoinPerPromptToTheWholeAnswers() throws Exception {
        String request = "'prompt':['one two three','four five'],'max_tokens':2";
        JsonNode whole = whole(serve(Endpoint.COMPLETIONS, "{" + request + "}"));
        List<JsonNode> events = events(
                serve(Endpoint.COMPLETIONS, "{'stream':true,'stream_options':{'include_usage':true}," + request + "}"));
        Map<Integer, StringBuilder> texts = new TreeMap<>();
        Map<Integer, String> finishes = new TreeMap<>();
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertEquals("text_completion", e.path("object").asText());
            assertEquals(1, e.path("choices").size(), e.toString());
            JsonNode c = e.path("choices").get(0);
            assertFalse(finishes.containsKey(c.path("index").asInt()), "nothing after a choice's finish: " + e);
            texts.computeIfAbsent(c.path("index").asInt(), i -> new StringBuilder())
                    .append(c.path("text").asText());
            if (!c.path("finish_reason").isNull()) {
                finishes.put(c.path("index").asInt(), c.path("finish_reason").asText());
            }
        }
        assertEquals(whole.at("/choices/0/text").asText(), texts.get(0).toString());
        assertEquals(whole.at("/choices/1/text").asText(), texts.get(1).toString());
        assertEquals(Map.of(0, "length", 1, "stop"), finishes);
        assertEquals(whole.path("usage"), events.getLast().path("usage"));
        assertEquals(0, events.getLast().path("choices").size());
    }

    static float[] floats(JsonNode embedding) {
        float[] out = new float[embedding.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = embedding.get(i).floatValue();
        }
        return out;
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float f : v) {
            sum += (double) f * f;
        }
        return Math.sqrt(sum);
    }

    @Test
    void embeddingsAreDeterministicUnitVectors() throws Exception {
        var client = serve(Endpoint.EMBEDDINGS, "{'input':['a b','c']}");
        JsonNode answer = whole(client);
        assertEquals("list", answer.path("object").asText());
        assertEquals("echo-1", answer.path("model").asText());
        assertEquals(2, answer.path("data").size());
        float[] ab = floats(answer.at("/data/0/embedding"));
        float[] c = floats(answer.at("/data/1/embedding"));
        assertEquals("embedding", answer.at("/data/1/object").asText());
        assertEquals(1, answer.at("/data/1/index").asInt());
        assertEquals(EchoRelay.DEFAULT_DIMENSIONS, ab.length);
        assertEquals(1.0, norm(ab), 1e-6);
        assertEquals(1.0, norm(c), 1e-6);
        assertFalse(Arrays.equals(ab, c), "different texts, different vectors");
        assertEquals(3, answer.at("/usage/prompt_tokens").asLong());
        assertEquals(3, answer.at("/usage/total_tokens").asLong());
        assertEquals("3", client.headers.get("X-LLM-Prompt-Tokens"));
        assertEquals("0", client.headers.get("X-LLM-Completion-Tokens"));

        JsonNode again = whole(serve(Endpoint.EMBEDDINGS, "{'input':'a b'}"));
        assertArrayEquals(ab, floats(again.at("/data/0/embedding")), "the text alone decides its vector");
    }

    @Test
    void dimensionsSetTheLengthOfEveryVector() throws Exception {
        for (int dimensions : List.of(1, 5, 9, EchoRelay.MAX_DIMENSIONS)) {
            JsonNode answer = whole(serve(Endpoint.EMBEDDINGS, "{'input':'x','dimensions':" + dimensions + "}"));
            float[] v = floats(answer.at("/data/0/embedding"));
            assertEquals(dimensions, v.length);
            assertEquals(1.0, norm(v), 1e-5, dimensions + " dimensions");
        }
    }

    @Test
    void base64EmbeddingsDecodeToTheSameFloats() throws Exception {
        String input = "'input':['the quick brown fox',''],'dimensions':24";
        JsonNode plain = whole(serve(Endpoint.EMBEDDINGS, "{" + input + "}"));
        JsonNode encoded = whole(serve(Endpoint.EMBEDDINGS, "{'encoding_format':'base64'," + input + "}"));
        for (int i = 0; i < 2; i++) {
            JsonNode b64 = encoded.at("/data/" + i + "/embedding");
            assertTrue(b64.isTextual(), b64.toString());
            ByteBuffer bytes =
                    ByteBuffer.wrap(Base64.getDecoder().decode(b64.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] decoded = new float[bytes.remaining() / Float.BYTES];
            for (int j = 0; j < decoded.length; j++) {
                decoded[j] = bytes.getFloat();
            }
            assertArrayEquals(floats(plain.at("/data/" + i + "/embedding")), decoded);
        }
    }

    /** A refused request: the catalog's error, and nothing answered. */
    static ApiException refused(Endpoint endpoint, byte[] body) {
        var client = new FakeClientChannel();
        var e = assertThrows(ApiException.class, () -> RELAY.serve(client, endpoint, body, "echo-1", "req-1"));
        assertEquals(0, client.status, "nothing was answered");
        assertEquals("", client.text());
        assertEquals(Map.of(), client.headers);
        var error = e.error();
        var entry = ErrorCode.of(error.code()).orElseThrow(() -> new AssertionError("not in the catalog: " + error));
        assertTrue(entry.matches(error.status(), error.type(), error.code(), error.message()), error.toString());
        return e;
    }

    @Test
    void badInputIsRefusedWithTheCatalogsErrorBeforeAnyByte() {
        String user = "'messages':[{'role':'user','content':'hi'}]";
        Object[][] cases = {
            {Endpoint.CHAT_COMPLETIONS, "{}", "messages"},
            {Endpoint.CHAT_COMPLETIONS, "{'messages':[]}", "messages"},
            {Endpoint.CHAT_COMPLETIONS, "{'messages':['hi']}", "messages"},
            {Endpoint.CHAT_COMPLETIONS, "{'messages':[{'role':'robot','content':'x'}]}", "messages"},
            {Endpoint.CHAT_COMPLETIONS, "{'messages':[{'role':'user'}]}", "messages"},
            {
                Endpoint.CHAT_COMPLETIONS,
                "{'messages':[{'role':'user','content':[{'type':'text','text':1}]}]}",
                "messages"
            },
            {Endpoint.CHAT_COMPLETIONS, "{'messages':[{'role':'user','content':['hi']}]}", "messages"},
            {Endpoint.CHAT_COMPLETIONS, "{'n':2," + user + "}", "n"},
            {Endpoint.CHAT_COMPLETIONS, "{'max_tokens':0," + user + "}", "max_tokens"},
            {Endpoint.CHAT_COMPLETIONS, "{'max_completion_tokens':-1," + user + "}", "max_completion_tokens"},
            {Endpoint.CHAT_COMPLETIONS, "{'stop':['x',1]," + user + "}", "stop"},
            {Endpoint.CHAT_COMPLETIONS, "{'stream_options':{'include_usage':'yes'}," + user + "}", "stream_options"},
            {Endpoint.COMPLETIONS, "{}", "prompt"},
            {Endpoint.COMPLETIONS, "{'prompt':[]}", "prompt"},
            {Endpoint.COMPLETIONS, "{'prompt':[1,2]}", "prompt"},
            {Endpoint.COMPLETIONS, "{'prompt':'x','n':3}", "n"},
            {Endpoint.EMBEDDINGS, "{}", "input"},
            {Endpoint.EMBEDDINGS, "{'input':[[1,2]]}", "input"},
            {Endpoint.EMBEDDINGS, "{'input':'x','dimensions':0}", "dimensions"},
            {Endpoint.EMBEDDINGS, "{'input':'x','dimensions':4097}", "dimensions"},
            {Endpoint.EMBEDDINGS, "{'input':'x','encoding_format':'hex'}", "encoding_format"},
            {Endpoint.EMBEDDINGS, "{'input':[" + "'x',".repeat(256) + "'x'],'dimensions':4096}", "input"},
        };
        for (Object[] c : cases) {
            var e = refused((Endpoint) c[0], json((String) c[1]));
            assertEquals("invalid_" + c[2], e.error().code(), c[1] + ": " + e.error());
            assertEquals(c[2], e.error().param(), (String) c[1]);
        }
        for (String notAnObject : List.of("{", "[]", "\"hi\"", "")) {
            var e = refused(Endpoint.CHAT_COMPLETIONS, notAnObject.getBytes(StandardCharsets.UTF_8));
            assertEquals("invalid_json", e.error().code(), notAnObject);
        }
    }

    static Endpoint endpoint(String path) {
        return Arrays.stream(Endpoint.values())
                .filter(e -> e.path().equals(path))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theValidBodiesOfTheTypeListAreAnswered() {
        for (var place : WrongTypes.PLACES) {
            var client = new FakeClientChannel();
            RELAY.serve(
                    client,
                    endpoint(place.path()),
                    place.validBody().getBytes(StandardCharsets.UTF_8),
                    "echo-1",
                    "req-1");
            assertEquals(200, client.status, place.validBody());
        }
    }

    @Test
    void everyWrongTypeIsRefusedNamingTheField() {
        var cases = WrongTypes.cases("echo:x");
        assertTrue(cases.size() > 150, cases.size() + " cases");
        List<String> wrong = new ArrayList<>();
        for (var c : cases) {
            try {
                var e = refused(endpoint(c.path()), c.body().getBytes(StandardCharsets.UTF_8));
                String leaf = c.field().substring(c.field().lastIndexOf('/') + 1);
                if (!e.error().code().equals("invalid_" + c.param())
                        || !e.error().message().contains(leaf)) {
                    wrong.add(c.field() + "=" + c.value() + ": " + e.error());
                }
            } catch (AssertionError notRefused) {
                wrong.add(c.field() + "=" + c.value() + ": " + notRefused.getMessage());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void aClientThatLeftGetsNothingAndNoError() {
        var client = new FakeClientChannel();
        client.leave();
        RELAY.serve(
                client,
                Endpoint.CHAT_COMPLETIONS,
                json("{'stream':true,'messages':[{'role':'user','content':'hi'}]}"),
                "echo-1",
                "req-1");
        assertEquals(0, client.status);
        assertEquals("", client.text());
    }

    @Test
    void piecesJoinBackToTheText() {
        for (String text : List.of("a", " a  b\t\nc ", "one\u00a0two three", "")) {
            assertEquals(text.strip().isEmpty() ? "" : text, String.join("", EchoRelay.pieces(text)), text);
        }
        assertEquals(List.of("a  ", "b\t\n", "c"), EchoRelay.pieces("a  b\t\nc"));
        assertEquals(List.of(), EchoRelay.pieces(" \n "));
    }
}
