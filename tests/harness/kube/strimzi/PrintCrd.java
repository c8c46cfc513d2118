// Prints the CustomResourceDefinition that Strimzi's own API artifact defines for a kind, as
// YAML: `java -cp 'jars/*' PrintCrd.java kafkaTopic`.
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

public class PrintCrd {
    public static void main(String[] args) throws Exception {
        Object crd = io.strimzi.api.kafka.Crds.class.getMethod(args[0]).invoke(null);
        System.out.println(new ObjectMapper(new YAMLFactory()).writeValueAsString(crd));
    }
}
