package dev.llmproxy.upstream;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.FakeClock;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The picker on its own: no sockets, a clock that moves when told. */
class ReplicasTest {
    final FakeClock clock = new FakeClock();
    final Replicas<String> replicas = new Replicas<>(List.of("a", "b", "c"), clock);
    final List<String> sentTo = new ArrayList<>();

    /** An attempt that answers 200, except on the replicas named, which refuse the connection. */
    Replicas.Attempt<String> answering(Set<String> refusing) {
        return replica -> {
            sentTo.add(replica);
            if (refusing.contains(replica)) {
                throw new Http1Client.ConnectFailedException("refused", new ConnectException(replica));
            }
            return new Http1Client.Response(
                    200, Map.of(), new ByteArrayInputStream(replica.getBytes(StandardCharsets.UTF_8)));
        };
    }

    String call(Set<String> refusing) throws IOException {
        try (var r = replicas.execute(answering(refusing))) {
            return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Sends a call and keeps its answer open: the call stays in flight. */
    Http1Client.Response open() throws IOException {
        return replicas.execute(answering(Set.of()));
    }

    @Test
    void idleReplicasTakeCallsInTurn() throws IOException {
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answered.add(call(Set.of()));
        }
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), answered);
        assertEquals(0, replicas.inFlight(0) + replicas.inFlight(1) + replicas.inFlight(2));
    }

    @Test
    void theReplicaWithTheFewestCallsInFlightIsPicked() throws IOException {
        var first = open(); // a
        var second = open(); // b
        assertEquals("c", call(Set.of()), "c has none in flight");
        assertEquals("c", call(Set.of()), "still none in flight: the last call ended");
        var third = open(); // c, whose turn it is not, but the only one without a call
        assertEquals(List.of(1, 1, 1), List.of(replicas.inFlight(0), replicas.inFlight(1), replicas.inFlight(2)));
        first.close();
        assertEquals("a", call(Set.of()), "a is free again, b and c still busy");
        assertEquals("a", call(Set.of()));
        second.close();
        third.close();
    }

    @Test
    void aCallStaysInFlightUntilItsBodyIsReadToTheEndOrClosed() throws IOException {
        var r = open();
        assertEquals(1, replicas.inFlight(0));
        r.body().readAllBytes();
        assertEquals(0, replicas.inFlight(0), "read to the end");
        r.close();
        assertEquals(0, replicas.inFlight(0), "counted out once");
    }

    @Test
    void aRefusedConnectionGoesToTheNextReplicaAndTheRefuserRests() throws IOException {
        assertEquals("b", call(Set.of("a")), "a refused: b takes the call");
        assertEquals(List.of("a", "b"), sentTo);
        sentTo.clear();
        for (int i = 0; i < 4; i++) {
            call(Set.of("a"));
        }
        assertFalse(sentTo.contains("a"), "a rests: " + sentTo);
        assertEquals(0, replicas.inFlight(0));

        clock.advance(Replicas.REST.minusMillis(1));
        sentTo.clear();
        call(Set.of());
        call(Set.of());
        assertFalse(sentTo.contains("a"), "still resting");

        clock.advance(Duration.ofMillis(1));
        sentTo.clear();
        for (int i = 0; i < 3; i++) {
            call(Set.of());
        }
        assertTrue(sentTo.contains("a"), "tried again once its rest is over: " + sentTo);
    }

    @Test
    void eachReplicasLoadIsCounted() throws IOException {
        var open = open(); // a, in flight
        call(Set.of("b")); // b refuses: c takes it
        assertEquals(new Replicas.Load(1, 1, 0, false), replicas.load(0));
        assertEquals(new Replicas.Load(0, 0, 1, true), replicas.load(1));
        assertEquals(new Replicas.Load(0, 1, 0, false), replicas.load(2));
        open.close();
        clock.advance(Replicas.REST);
        assertEquals(new Replicas.Load(0, 1, 0, false), replicas.load(0));
        assertEquals(new Replicas.Load(0, 0, 1, false), replicas.load(1), "rested long enough");
    }

    @Test
    void whenNoReplicaCanBeReachedTheLastFailureIsThrownAndEachWasTriedOnce() {
        var e = assertThrows(Http1Client.ConnectFailedException.class, () -> call(Set.of("a", "b", "c")));
        assertEquals("refused", e.getMessage());
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(sentTo));
        assertEquals(3, sentTo.size());
    }

    @Test
    void whenEveryReplicaRestsTheyAreTriedAnywayAndOneThatAnswersIsLiveAgain() throws IOException {
        assertThrows(IOException.class, () -> call(Set.of("a", "b", "c")));
        sentTo.clear();
        assertEquals("c", call(Set.of("a", "b")), "all at rest: every one is tried rather than none");
        sentTo.clear();
        call(Set.of());
        call(Set.of());
        assertEquals(List.of("c", "c"), sentTo, "c answered, so it is live; a and b still rest");
    }

    @Test
    void aSingleReplicaIsNeverSkipped() throws IOException {
        var one = new Replicas<>(List.of("only"), clock);
        List<String> tries = new ArrayList<>();
        Replicas.Attempt<String> refused = r -> {
            tries.add(r);
            throw new Http1Client.ConnectFailedException("refused", new ConnectException());
        };
        assertThrows(Http1Client.ConnectFailedException.class, () -> one.execute(refused));
        assertThrows(Http1Client.ConnectFailedException.class, () -> one.execute(refused));
        assertEquals(2, tries.size(), "tried on every call, resting or not");
        assertEquals(0, one.inFlight(0));
    }

    @Test
    void aCallThatFailedAfterConnectingIsNotSentAgain() {
        Replicas.Attempt<String> dies = r -> {
            sentTo.add(r);
            throw new EOFException("the upstream closed the connection without answering");
        };
        assertThrows(EOFException.class, () -> replicas.execute(dies));
        assertEquals(List.of("a"), sentTo, "it may have been received: never replayed");
        assertEquals(0, replicas.inFlight(0));
        sentTo.clear();
        assertEquals("b", assertDoesNotThrow(() -> call(Set.of())));
        assertEquals("c", assertDoesNotThrow(() -> call(Set.of())));
        assertEquals("a", assertDoesNotThrow(() -> call(Set.of())), "a failure after connecting is no reason to rest");
    }
}
