package rtkv.api.store;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;
import org.junit.jupiter.api.Test;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/**
 * Issue 23: api-service's storage knows neither HTTP nor JSON answers. The store ({@code rtkv.api.store})
 * may not use the HTTP layer ({@code rtkv.api}), Javalin, Jetty, the servlet API or a JSON library; with
 * the HTTP layer using the store and never the other way, no type loop can cross the two.
 */
class StoreLayeringTest {

    private static final JavaClasses API_SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("rtkv.api", "rtkv.pages");

    static final ArchRule STORE_KNOWS_NO_HTTP = noClasses().that().resideInAPackage("rtkv.api.store..")
            .should().dependOnClassesThat().resideInAnyPackage("rtkv.api", "rtkv.pages..", "rtkv.edge..",
                    "io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.fasterxml.jackson..")
            // The API's error codes carry HTTP statuses; JsonText writes JSON answers.
            .orShould().dependOnClassesThat().belongToAnyOf(ErrorCode.class, JsonText.class)
            .because("storage throws StoreException and keeps answers as text it never reads");

    @Test
    void theStoreKnowsNeitherHttpNorJson() {
        STORE_KNOWS_NO_HTTP.check(API_SERVICE);
    }

    /**
     * No loop of types at all: each top-level class (with its nested ones) is a slice. On the code before
     * the store had a package of its own this found the loops the issue names, such as KvStore, Answers,
     * KeyDirectory.
     */
    @Test
    void noTypesOfApiServiceFormALoop() {
        slices().assignedFrom(TOP_LEVEL_CLASSES).should().beFreeOfCycles().check(API_SERVICE);
    }

    private static final SliceAssignment TOP_LEVEL_CLASSES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getName();
            int nested = name.indexOf('$');
            return SliceIdentifier.of(nested < 0 ? name : name.substring(0, nested));
        }

        @Override
        public String getDescription() {
            return "top-level classes";
        }
    };

    @Test
    void theRuleFailsOnAStoreClassThatUsesTheHttpLayer() {
        for (Class<?> forged : List.of(AnswersARequest.class, UsesTheApiPackage.class, ThrowsAnErrorCode.class)) {
            JavaClasses classes = new ClassFileImporter().importClasses(forged);
            assertThrows(AssertionError.class, () -> STORE_KNOWS_NO_HTTP.check(classes), forged.getSimpleName());
        }
    }

    /** A store class as it must not be: it answers an HTTP request itself. */
    static final class AnswersARequest {
        static void answer(io.javalin.http.Context ctx) {
            ctx.status(200);
        }
    }

    /** Nor one that reaches back into the HTTP layer. */
    static final class UsesTheApiPackage {
        static String name(rtkv.api.ApiMain main) {
            return main.toString();
        }
    }

    /** Nor one that decides an HTTP status. */
    static final class ThrowsAnErrorCode {
        static int status() {
            return ErrorCode.NOT_FOUND.status();
        }
    }
}
