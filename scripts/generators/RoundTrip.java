// Loads the canonical form of every spec example through the Java models openapi-generator made
// from openapi/ (Jackson, as the generated ApiClient does) and writes it back: the result must equal
// the input (nulls aside, instants compared as instants), so no field is lost or renamed, and
// `status.status_code` comes back as it went in. Unknown properties fail the read.
//
//   java RoundTrip MANIFEST DOC=PACKAGE...
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

public class RoundTrip {
    private static final Pattern INSTANT =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");

    /** The value without nulls, and every instant as epoch seconds. */
    static JsonNode normal(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!f.getValue().isNull()) out.set(f.getKey(), normal(f.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) out.add(normal(item));
            return out;
        }
        if (node.isTextual() && INSTANT.matcher(node.asText()).matches()) {
            return JsonNodeFactory.instance.numberNode(OffsetDateTime.parse(node.asText()).toEpochSecond());
        }
        return node;
    }

    public static void main(String[] args) throws Exception {
        // As the generated ApiClient configures it (java.time support), but strict on unknown keys.
        ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
        mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        mapper.configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false);
        Map<String, String> packages = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            packages.put(kv[0], kv[1]);
        }
        int count = 0;
        for (JsonNode entry : mapper.readTree(new File(args[0]))) {
            String doc = entry.path("document").asText(null);
            if (doc == null || !packages.containsKey(doc)) continue;
            Class<?> type = Class.forName(packages.get(doc) + "." + entry.get("component").asText());
            JsonNode value = mapper.readTree(new File(entry.get("canonical").asText()));
            JsonNode records = entry.get("batch").asBoolean() ? value.get("data") : mapper.createArrayNode().add(value);
            int i = 0;
            for (JsonNode record : records) {
                String name = entry.get("name").asText() + "[" + i++ + "] as " + type.getName();
                Object model = mapper.treeToValue(record, type);
                JsonNode back = mapper.readTree(mapper.writeValueAsString(model));
                if (!normal(back).equals(normal(record))) {
                    throw new AssertionError(name + ": round trip changed the example:\n in  " + record + "\n out " + back);
                }
                JsonNode code = record.path("status").path("status_code");
                if (!code.isMissingNode() && !code.equals(back.path("status").path("status_code"))) {
                    throw new AssertionError(name + ": status_code lost");
                }
                count++;
            }
        }
        System.out.println("java: " + count + " records loaded and written back unchanged");
    }
}
