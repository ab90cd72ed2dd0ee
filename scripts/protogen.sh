#!/usr/bin/env bash
# protogen.sh regenerates the Go code of every .proto file under proto/, and
# for each file with a service an OpenAPI v2 document (<name>.swagger.json)
# of its HTTP routes, which the binary embeds and serves at /openapi.json.
#
# Run it as `go generate ./proto/...` from the repository root (or directly).
# It needs only Go and protoc. The plugins are installed at pinned versions
# into bin/ (gitignored), so the output depends on nothing a developer has
# installed globally; the versions match the runtime libraries in go.mod.
# google/api/annotations.proto and http.proto come from grpc-gateway v1's
# third_party/googleapis in the Go module cache, which the Go module proxy can
# always serve, instead of being copied into this repository.
#
# The generated files carry the protoc version in their header, so the output
# is byte-identical only with the same protoc; the pinned one is Debian 12's.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.11
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
PROTOC_GEN_GRPC_GATEWAY_VERSION=v2.29.0
# The OpenAPI plugin is released with the gateway; keep the two equal.
PROTOC_GEN_OPENAPIV2_VERSION="$PROTOC_GEN_GRPC_GATEWAY_VERSION"
GOOGLEAPIS_MODULE=github.com/grpc-ecosystem/grpc-gateway@v1.16.0
WANT_PROTOC="libprotoc 3.21.12"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# protoc_ready reports whether protoc runs and finds the well-known types
# (google/protobuf/*.proto), which Debian ships in a separate package.
protoc_ready() {
	command -v protoc >/dev/null 2>&1 || return 1
	printf 'syntax = "proto3";\nimport "google/protobuf/descriptor.proto";\n' >"$tmp/wkt_probe.proto"
	protoc -I "$tmp" -o /dev/null "$tmp/wkt_probe.proto" >/dev/null 2>&1
}

# protoc: Debian 12's package is the pinned compiler.
if ! protoc_ready; then
	echo "protogen: installing Debian's protobuf-compiler and libprotobuf-dev (well-known types)" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	pkgs=(protobuf-compiler libprotobuf-dev)
	if ! $sudo apt-get install -y --no-install-recommends "${pkgs[@]}"; then
		$sudo apt-get update
		$sudo apt-get install -y --no-install-recommends "${pkgs[@]}"
	fi
	protoc_ready || { echo "protogen: protoc still cannot find google/protobuf/descriptor.proto" >&2; exit 1; }
fi
if [ "$(protoc --version)" != "$WANT_PROTOC" ]; then
	echo "protogen: warning: $(protoc --version) differs from $WANT_PROTOC; generated headers will differ" >&2
fi

# Plugins, pinned, into bin/. go install is a no-op when they are up to date.
export GOBIN="$root/bin"
go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"
go install "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$PROTOC_GEN_GRPC_GATEWAY_VERSION"
go install "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$PROTOC_GEN_OPENAPIV2_VERSION"

# Download outside this module so that go.mod and go.sum stay untouched.
googleapis="$(cd "$tmp" && GOFLAGS= go mod download -json "$GOOGLEAPIS_MODULE" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')/third_party/googleapis"
if [ ! -f "$googleapis/google/api/annotations.proto" ]; then
	echo "protogen: google/api/annotations.proto not found under $googleapis" >&2
	exit 1
fi

# Generate into a scratch tree first so a failure leaves proto/ as it was,
# then replace the old generated files (which also drops those of deleted
# .proto files).
protos=()
while IFS= read -r f; do protos+=("$f"); done < <(cd proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
out="$tmp/out"
mkdir -p "$out"
# The OpenAPI document must describe the JSON the gateway speaks (see
# api/gateway.go): field names in lowerCamelCase as protojson writes them
# (json_names_for_fields; the gateway reads either spelling), enums as their
# names, and one document per .proto file, next to it. proto/openapi.yaml
# adds what the .proto files do not say (title, version, headers).
openapi_opts="json_names_for_fields=true,enums_as_ints=false,output_format=json"
openapi_opts+=",openapi_configuration=$root/proto/openapi.yaml"
protoc \
	-I proto -I "$googleapis" \
	--plugin=protoc-gen-go="$GOBIN/protoc-gen-go" \
	--plugin=protoc-gen-go-grpc="$GOBIN/protoc-gen-go-grpc" \
	--plugin=protoc-gen-grpc-gateway="$GOBIN/protoc-gen-grpc-gateway" \
	--plugin=protoc-gen-openapiv2="$GOBIN/protoc-gen-openapiv2" \
	--go_out="$out" --go_opt=paths=source_relative \
	--go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
	--grpc-gateway_out="$out" --grpc-gateway_opt=paths=source_relative \
	--openapiv2_out="$out" --openapiv2_opt="$openapi_opts" \
	"${protos[@]}"

find proto -type f \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' \) -delete
cp -R "$out/." proto/
echo "protogen: generated $(cd "$out" && find . -type f | wc -l) files from ${#protos[@]} proto files" >&2
