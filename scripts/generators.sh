#!/usr/bin/env bash
# Generates code from the OpenAPI documents (openapi/) and the stand-alone JSON Schemas (schemas/)
# with the tools MIS vendors use, compiles it, and loads every spec example (fixtures/spec/)
# through every generated model and back. It also runs, word for word, every command that
# openapi/README.md shows (the guide is followed literally here).
#
#   scripts/generators.sh           # everything, about 2-3 minutes warm, 4-5 cold
#   ONLY="ajv redocly" scripts/generators.sh
#
# Steps (names for ONLY): ajv, redocly, datamodel-codegen, openapi-python-client, openapi-typescript,
# quicktype, openapi-generator, guide.
#
# The tools are installed, at the versions pinned below, into target/generators/ (a Python venv and
# an npm prefix; git-ignored). The Java jars the generated code needs beyond the generator's own
# come from Debian packages, installed with apt-get when missing. When PyPI or npm cannot be
# reached the script says so and exits 0 with SKIPPED, unless CI=true or REQUIRE_GENERATORS=1
# (then it fails). Every step prints its time; a step that fails makes the script exit 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$ROOT/target/generators"
VENV="$WORK/venv"
NPM="$WORK/npm"
OUT="$WORK/out"
FIXTURES="$WORK/fixtures"
HELPERS="$ROOT/scripts/generators"
ONLY="${ONLY:-}"

# Pinned versions (PyPI, then npm).
PIP_PACKAGES=(
    openapi-generator-cli==7.26.0 # bundles the openapi-generator jar; needs only a Java runtime
    datamodel-code-generator==0.97.0
    openapi-python-client==0.29.1
    pydantic==2.12.5
    python-dateutil==2.9.0.post0 # what openapi-generator's python client imports
    urllib3==2.5.0
    jsonschema[format]==4.25.1 # the guide's validation snippet
    pyyaml==6.0.3
    schemathesis==4.32.5 # the guide's fuzzing command (4.x, as scripts/schemathesis.sh)
)
NPM_PACKAGES=(
    ajv@8.20.0 ajv-formats@3.0.1 js-yaml@4.1.0
    openapi-typescript@7.13.0 typescript@5.9.3
    quicktype@26.0.0
    @redocly/cli@2.77.0
)
# Debian packages for javac's classpath (package:jar).
DEBIAN_JARS=(
    libjackson2-core-java:jackson-core.jar
    libjackson2-databind-java:jackson-databind.jar
    libjackson2-annotations-java:jackson-annotations.jar
    libjsr305-java:jsr305.jar                                   # javax.annotation.Nonnull
    libgeronimo-annotation-1.3-spec-java:geronimo-annotation-1.3-spec.jar # javax.annotation.Generated
    libjaxrs-api-java:javax.ws.rs-api.jar                       # the JAX-RS webhook stub
)

required() { [[ "${REQUIRE_GENERATORS:-0}" == 1 || "${CI:-}" == true ]]; }
REQUIRED="${REQUIRE_GENERATORS:-0}"
# skip.
source "$ROOT/scripts/lib.sh"
wanted() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }

FAILED=()
TIMES=()
# step NAME COMMAND...: runs one tool's step, prints its time and remembers a failure.
step() {
    local name="$1" start end
    shift
    wanted "$name" || return 0
    echo "== $name"
    start=$(date +%s%N)
    if "$@"; then local result=ok; else local result=FAILED; FAILED+=("$name"); fi
    end=$(date +%s%N)
    TIMES+=("$(printf '%-24s %-7s %5d.%01d s' "$name" "$result" $(((end - start) / 1000000000)) $(((end - start) / 100000000 % 10)))")
}
# quiet LOG COMMAND...: runs a command with its output in LOG, shown only when it fails.
quiet() {
    local log="$1"
    shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "(full log: $log)"
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------------
# Installs
# ---------------------------------------------------------------------------------------------------
install_start=$(date +%s%N)
mkdir -p "$WORK" "$OUT"
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    skip "python3 -m venv is not available (install python3-venv)"
fi
pip_stamp="$VENV/.installed-$(echo "${PIP_PACKAGES[*]}" | md5sum | cut -c1-12)"
if [[ ! -f "$pip_stamp" ]]; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}"; then
        rm -rf "$VENV"
        skip "pip could not install the generators: PyPI is not reachable from here"
    fi
    touch "$pip_stamp"
fi
npm_stamp="$NPM/.installed-$(echo "${NPM_PACKAGES[*]}" | md5sum | cut -c1-12)"
if [[ ! -f "$npm_stamp" ]]; then
    rm -rf "$NPM"
    if ! npm install --prefix "$NPM" --no-audit --no-fund --silent "${NPM_PACKAGES[@]}"; then
        rm -rf "$NPM"
        skip "npm could not install the generators: the npm registry is not reachable from here"
    fi
    touch "$npm_stamp"
fi
missing=()
CLASSPATH_JARS=()
for entry in "${DEBIAN_JARS[@]}"; do
    package="${entry%%:*}"
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    CLASSPATH_JARS+=("/usr/share/java/${entry#*:}")
done
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
if ((${#missing[@]})); then
    echo "== installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
        skip "apt-get could not install ${missing[*]}"
fi
command -v javac >/dev/null || skip "javac is not installed (Java 17 JDK)"
export PATH="$VENV/bin:$NPM/node_modules/.bin:$PATH"
export NODE_PATH="$NPM/node_modules"
GENERATOR_JAR="$("$VENV/bin/python" -c 'import openapi_generator_cli, os; print(os.path.join(os.path.dirname(openapi_generator_cli.__file__), "openapi-generator.jar"))')"
# Debian's jars first; the generator's own jar last, for jackson-datatype-jsr310 (no Debian package),
# which the native client's ApiClient imports.
JAVA_CP="$(IFS=:; echo "${CLASSPATH_JARS[*]}"):$GENERATOR_JAR"
install_end=$(date +%s%N)
TIMES+=("$(printf '%-24s %-7s %5d.%01d s' install ok $(((install_end - install_start) / 1000000000)) $(((install_end - install_start) / 100000000 % 10)))")

echo "== versions"
echo "openapi-generator $(openapi-generator-cli version) | datamodel-codegen $(datamodel-codegen --version)" \
    "| openapi-python-client $("$VENV/bin/pip" show openapi-python-client | sed -n 's/^Version: //p')" \
    "| ajv $(node -p 'require("ajv/package.json").version') | openapi-typescript $(openapi-typescript --version)" \
    "| tsc $(tsc --version) | quicktype $(quicktype --version | head -n1) | redocly $(redocly --version 2>/dev/null | tail -n1)" \
    "| $(javac -version 2>&1)"

# The examples as fer-rs rewrites them (the canonical form the OpenAPI documents show), and the
# manifest naming each example's schema and component.
cargo run --quiet --locked -p fer-model --example canonical_fixtures -- "$FIXTURES" >/dev/null
MANIFEST="$FIXTURES/manifest.json"

# ---------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------
run_ajv() {
    node "$HELPERS/ajv.mjs" "$ROOT" "$MANIFEST"
}

run_redocly() {
    redocly lint openapi/vitrina.yaml openapi/mis-webhook.yaml --config "$HELPERS/redocly.yaml" --format stylish
}

run_datamodel_codegen() {
    local out="$OUT/datamodel-codegen" file name
    rm -rf "$out" && mkdir -p "$out"
    for file in schemas/*.schema.json schemas/portal/*.schema.json; do
        name="${file#schemas/}"
        name="${name//\//_}"
        name="${name%.schema.json}"
        quiet "$out/$name.log" datamodel-codegen --input "$file" --input-file-type jsonschema \
            --output "$out/$name.py" --output-model-type pydantic_v2.BaseModel --class-name Model \
            --disable-timestamp --formatters black isort || return 1
    done
    # The OpenAPI documents too, into one module each.
    for doc in vitrina mis-webhook; do
        quiet "$out/openapi-$doc.log" datamodel-codegen --input "openapi/$doc.yaml" --input-file-type openapi \
            --output "$out/openapi_${doc//-/_}.py" --output-model-type pydantic_v2.BaseModel \
            --disable-timestamp --formatters black isort || return 1
        python -c "import sys; sys.path.insert(0, '$out'); import openapi_${doc//-/_}" || return 1
    done
    python "$HELPERS/roundtrip.py" datamodel-codegen "$out" "$MANIFEST"
}

run_openapi_python_client() {
    local out="$OUT/openapi-python-client" doc package
    rm -rf "$out" && mkdir -p "$out"
    for doc in vitrina mis-webhook; do
        package="${doc//-/_}_client"
        quiet "$out/$doc.log" openapi-python-client generate --path "openapi/$doc.yaml" \
            --output-path "$out/$package" --meta none --config "$HELPERS/openapi-python-client.yaml" || return 1
        if grep -q "Warning" "$out/$doc.log"; then cat "$out/$doc.log"; return 1; fi
        python "$HELPERS/roundtrip.py" openapi-python-client "$out" "$MANIFEST" "$doc" "$package" || return 1
    done
}

run_openapi_typescript() {
    local out="$OUT/openapi-typescript"
    rm -rf "$out" && mkdir -p "$out"
    for doc in vitrina mis-webhook; do
        openapi-typescript "openapi/$doc.yaml" --output "$out/$doc.ts" --silent || return 1
    done
    tsc --strict --noEmit --target es2022 --module nodenext --moduleResolution nodenext "$out"/*.ts
}

run_quicktype() {
    local out="$OUT/quicktype" sources=()
    rm -rf "$out" && mkdir -p "$out"
    for file in schemas/*.schema.json; do sources+=(--src "$file"); done
    quicktype --lang typescript --src-lang schema "${sources[@]}" --out "$out/schemas.ts" || return 1
    quicktype --lang typescript --src-lang schema schemas/portal/*.schema.json --out "$out/portal.ts" || return 1
    tsc --strict --noEmit --target es2022 "$out/schemas.ts" "$out/portal.ts"
}

# One openapi-generator run: DOC GENERATOR OUT [extra options...].
generate() {
    local doc="$1" generator="$2" out="$3"
    shift 3
    rm -rf "$out"
    quiet "$out.log" openapi-generator-cli generate -i "openapi/$doc.yaml" -g "$generator" -o "$out" \
        --global-property apiTests=false,modelTests=false,apiDocs=false,modelDocs=false "$@"
}

run_openapi_generator() {
    local out="$OUT/openapi-generator" doc package classes sources
    mkdir -p "$out"
    # Java clients (native: java.net.http and Jackson), then javac.
    for doc in vitrina mis-webhook; do
        package="ru.fer.${doc//-/}"
        generate "$doc" java "$out/java-$doc" --library native \
            --additional-properties="openApiNullable=false,annotationLibrary=none,hideGenerationTimestamp=true,invokerPackage=$package,apiPackage=$package.api,modelPackage=$package.model" ||
            return 1
        classes="$out/java-$doc/classes"
        mkdir -p "$classes"
        mapfile -t sources < <(find "$out/java-$doc/src/main/java" -name '*.java')
        quiet "$out/java-$doc.javac.log" javac -encoding UTF-8 -nowarn -cp "$JAVA_CP" -d "$classes" "${sources[@]}" ||
            return 1
        echo "javac: $doc client, ${#sources[@]} files compiled"
    done
    # The webhook stub the MIS implements (JAX-RS interfaces and models), then javac.
    generate mis-webhook jaxrs-spec "$out/jaxrs-mis-webhook" \
        --additional-properties="interfaceOnly=true,openApiNullable=false,useSwaggerAnnotations=false,useBeanValidation=false,useJakartaEe=false,hideGenerationTimestamp=true,apiPackage=ru.fer.stub.api,modelPackage=ru.fer.stub.model" ||
        return 1
    mkdir -p "$out/jaxrs-mis-webhook/classes"
    mapfile -t sources < <(find "$out/jaxrs-mis-webhook/src" -name '*.java')
    quiet "$out/jaxrs.javac.log" javac -encoding UTF-8 -nowarn -cp "$JAVA_CP" -d "$out/jaxrs-mis-webhook/classes" \
        "${sources[@]}" || return 1
    echo "javac: jaxrs-spec webhook stub, ${#sources[@]} files compiled"
    # The examples through the Java models and back.
    mkdir -p "$out/roundtrip"
    javac -encoding UTF-8 -nowarn -d "$out/roundtrip" \
        -cp "$JAVA_CP:$out/java-vitrina/classes:$out/java-mis-webhook/classes" "$HELPERS/RoundTrip.java" || return 1
    # At run time the generator's jar goes first: its Jackson and jsr310 module are of one version
    # (Debian's jackson-databind is older than that module).
    java -cp "$GENERATOR_JAR:$JAVA_CP:$out/java-vitrina/classes:$out/java-mis-webhook/classes:$out/roundtrip" RoundTrip \
        "$MANIFEST" vitrina=ru.fer.vitrina.model mis-webhook=ru.fer.miswebhook.model || return 1
    # Python clients (pydantic), then the examples through them.
    for doc in vitrina mis-webhook; do
        package="${doc//-/_}_generated"
        generate "$doc" python "$out/python-$doc" --package-name "$package" || return 1
        python "$HELPERS/roundtrip.py" openapi-generator "$out/python-$doc" "$MANIFEST" "$doc" "$package" || return 1
    done
}

run_guide() {
    bash "$HELPERS/guide.sh" "$ROOT/openapi/README.md" "$OUT/guide"
}

step ajv run_ajv
step redocly run_redocly
step datamodel-codegen run_datamodel_codegen
step openapi-python-client run_openapi_python_client
step openapi-typescript run_openapi_typescript
step quicktype run_quicktype
step openapi-generator run_openapi_generator
step guide run_guide

echo "== timing"
printf '%s\n' "${TIMES[@]}"
if ((${#FAILED[@]})); then
    echo "FAILED: ${FAILED[*]}"
    echo "generators: $((${#TIMES[@]} - 1 - ${#FAILED[@]})) passed, ${#FAILED[@]} failed"
    exit 1
fi
echo "generators: $((${#TIMES[@]} - 1)) passed, 0 failed"
