package verify_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The package keeps the code of each place it runs in files of its own
// (doc.go). These tests check from the source what can be checked there:
// that workflow files stay clear of what would make a replay differ, and
// that the methods of Activities and Client are in their files.

// bannedImports may not be imported by a workflow file, nor anything below
// them: clocks, randomness, files and the network differ between a run and
// its replay.
var bannedImports = []string{"math/rand", "crypto/rand", "os", "net"}

// bannedTime are the functions of package time that read the clock or wait
// on it; a workflow uses workflow.Now, workflow.Sleep and timers.
var bannedTime = []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"}

// isWorkflowFile reports whether the file holds workflow code, by the
// package's naming convention.
func isWorkflowFile(name string) bool {
	return strings.HasPrefix(name, "workflow") && !strings.HasSuffix(name, "_test.go")
}

// workflowProblems lists what in the workflow file f a replay could run
// differently: a banned import, a clock read from package time, a go
// statement, and methods of the activities or the client.
func workflowProblems(fset *token.FileSet, f *ast.File) []string {
	var problems []string
	report := func(n ast.Node, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	timeName := ""
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		for _, banned := range bannedImports {
			if path == banned || strings.HasPrefix(path, banned+"/") {
				report(imp, "imports %q", path)
			}
		}
		if path == "time" {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
			if timeName == "." {
				report(imp, "dot-imports time")
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "starts a goroutine (use workflow.Go)")
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && timeName != "" && id.Name == timeName && slices.Contains(bannedTime, n.Sel.Name) {
				report(n, "uses time.%s (use workflow.Now, workflow.Sleep or a timer)", n.Sel.Name)
			}
		case *ast.FuncDecl:
			if r := receiver(n); r == "Activities" || r == "Client" {
				report(n, "declares the method %s of %s", n.Name.Name, r)
			}
		}
		return true
	})
	return problems
}

// misplacedMethods lists the methods of Activities outside activities*.go
// and of Client outside client*.go in the file name.
func misplacedMethods(fset *token.FileSet, name string, f *ast.File) []string {
	var problems []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		want := map[string]string{"Activities": "activities", "Client": "client"}[receiver(fn)]
		if want != "" && !strings.HasPrefix(name, want) {
			problems = append(problems, fmt.Sprintf("%s: method %s of %s is outside the %s*.go files",
				fset.Position(fn.Pos()), fn.Name.Name, receiver(fn), want))
		}
	}
	return problems
}

// receiver returns the name of fn's receiver type, or "" for a function.
func receiver(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return ""
	}
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// packageFiles parses the package's non-test files, by file name.
func packageFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	return fset, files
}

func TestWorkflowFilesAreDeterministic(t *testing.T) {
	fset, files := packageFiles(t)
	n := 0
	for name, f := range files {
		if !isWorkflowFile(name) {
			continue
		}
		n++
		for _, p := range workflowProblems(fset, f) {
			t.Error(p)
		}
	}
	if n == 0 {
		t.Fatal("no workflow*.go files: the naming convention of doc.go is not followed")
	}
}

func TestActivityAndClientMethodsAreInTheirFiles(t *testing.T) {
	fset, files := packageFiles(t)
	for name, f := range files {
		for _, p := range misplacedMethods(fset, name, f) {
			t.Error(p)
		}
	}
}

// The checks above find what they are meant to find.
func TestLayoutChecksFindViolations(t *testing.T) {
	const header = "package verify\n\n"
	tests := []struct {
		name, src string
		want      []string // a substring of each problem, in order
	}{
		{"clean", `import (
	"time"

	"go.temporal.io/sdk/workflow"
)

func f(ctx workflow.Context) time.Time {
	workflow.Go(ctx, func(workflow.Context) {})
	return workflow.Now(ctx).Add(time.Second)
}`, nil},
		{"clock", `import "time"

func f() time.Time { return time.Now() }`, []string{"uses time.Now"}},
		{"aliased clock", `import clock "time"

var since = clock.Since`, []string{"uses time.Since"}},
		{"randomness", `import (
	mrand "math/rand/v2"
	"crypto/rand"
)

var _, _ = mrand.Int, rand.Read`, []string{`imports "math/rand/v2"`, `imports "crypto/rand"`}},
		{"files and network", `import (
	"net/http"
	"os"
)

var _, _ = http.Get, os.Getenv`, []string{`imports "net/http"`, `imports "os"`}},
		{"goroutine", `func f() { go func() {}() }`, []string{"starts a goroutine"}},
		{"activity method", `func (a *Activities) SendCode() {}`, []string{"declares the method SendCode of Activities"}},
		{"client method", `func (c Client) Verify() {}`, []string{"declares the method Verify of Client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "workflow_x.go", header+tt.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			got := workflowProblems(fset, f)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %d", got, len(tt.want))
			}
			for i, want := range tt.want {
				if !strings.Contains(got[i], want) {
					t.Errorf("problem %d = %q, want one with %q", i, got[i], want)
				}
			}
		})
	}

	fset := token.NewFileSet()
	src := header + "func (a *Activities) A() {}\nfunc (c *Client) C() {}\nfunc (v *verification) V() {}\n"
	for name, want := range map[string]int{"activities_x.go": 1, "client_x.go": 1, "messages.go": 2, "workflow_x.go": 2} {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if got := misplacedMethods(fset, name, f); len(got) != want {
			t.Errorf("%s: misplaced %q, want %d", name, got, want)
		}
	}
}
