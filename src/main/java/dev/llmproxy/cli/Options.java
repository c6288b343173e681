package dev.llmproxy.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's parsed arguments: {@code --name value} flags, {@code --name} switches and, for a command that
 * takes them, plain arguments. A flag the command does not know is an error, not something to ignore.
 */
record Options(Map<String, String> values, Set<String> switches, List<String> arguments) {

    /** For a command that takes only {@code --name value} flags. */
    static Options parse(String[] args, Set<String> flags) {
        return parse(args, flags, Set.of(), false);
    }

    static Options parse(String[] args, Set<String> flags, Set<String> switchNames, boolean takesArguments) {
        Map<String, String> values = new HashMap<>();
        Set<String> switches = new HashSet<>();
        List<String> arguments = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name != null && flags.contains(name)) {
                if (i + 1 >= args.length) {
                    throw usage(args[i] + " needs a value");
                }
                values.put(name, args[++i]); // given twice, the last one counts
            } else if (name != null && switchNames.contains(name)) {
                switches.add(name);
            } else if (name != null) {
                throw usage("unknown option: " + args[i]);
            } else if (takesArguments) {
                arguments.add(args[i]);
            } else {
                throw usage("unexpected argument: " + args[i]);
            }
        }
        return new Options(Map.copyOf(values), Set.copyOf(switches), List.copyOf(arguments));
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }

    /** The flag's value, or null when it was not given. */
    String get(String flag) {
        return values.get(flag);
    }

    String get(String flag, String fallback) {
        return values.getOrDefault(flag, fallback);
    }

    /** The flag's value as a number, or null when it was not given. */
    Long number(String flag) {
        String v = values.get(flag);
        try {
            return v == null ? null : Long.valueOf(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + " must be a whole number, got " + v);
        }
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "\n" + Usage.TEXT);
    }
}
