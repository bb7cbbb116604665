package labelstore

import (
	"embed"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Which lock a stack frame is waiting on is decided from the frame that calls it: a blocked
// goroutine's (or a block-profile record's) innermost lsim/labelstore frame is the store
// code line that called Lock/RLock (or a sync.Map method), and that line names the field
// the call goes through (s.mut, s.globalMut, m.mu, s.mappings, ...). This package embeds its
// own sources and parses them with go/parser once, so the map from file:line to field is
// always the one of the code that was compiled: no line numbers are kept by hand, and a
// test checks every lock call is found.
//
// A field names one lock in most designs; where it names several (a shard's mut, a
// component's mu), the census takes the goroutine's announced lock (Ctx.Lock) and the
// profiles, which have no per-goroutine information, split the field's wait over its locks
// (see lsim/census).

//go:embed *.go
var sources embed.FS

// CallSite is one call of a lock or sync.Map method in this package's code.
type CallSite struct {
	File   string // base name: service.go
	Line   int
	Func   string // lsim/labelstore.(*Service).GetOrAddGlobalRefID
	Field  string // mut, globalMut, mu, mappings, ...
	Method string // Lock, RLock, Unlock, RUnlock, TryLock, Load, LoadOrStore, Store, ...
}

// Key is "file.go:line", the form frames are matched with.
func (c CallSite) Key() string { return c.File + ":" + strconv.Itoa(c.Line) }

// LockMethods are the sync.Mutex/RWMutex methods a call site may call.
var LockMethods = map[string]bool{"Lock": true, "RLock": true, "Unlock": true, "RUnlock": true, "TryLock": true, "TryRLock": true}

// SyncMapMethods are the sync.Map methods that may take the map's internal lock.
var SyncMapMethods = map[string]bool{"Load": true, "LoadOrStore": true, "Store": true, "LoadAndDelete": true, "Delete": true, "Range": true}

// PackagePath is this package's import path, the prefix of its frames' function names.
const PackagePath = "lsim/labelstore"

var (
	sitesOnce  sync.Once
	sitesByKey map[string]CallSite
	sitesList  []CallSite
	funcFirst  map[string]CallSite // function -> its first call site (by line)
	funcDecl   map[string]CallSite // function -> where it is declared (File, Line, Func)
)

// CallSites returns every lock and sync.Map call site, keyed by "file.go:line".
func CallSites() map[string]CallSite {
	sitesOnce.Do(parseSites)
	return sitesByKey
}

// SiteList returns the call sites sorted by file and line.
func SiteList() []CallSite {
	sitesOnce.Do(parseSites)
	return sitesList
}

// FirstSite returns the first lock or sync.Map call in function fn (a full Go name).
func FirstSite(fn string) (CallSite, bool) {
	sitesOnce.Do(parseSites)
	c, ok := funcFirst[fn]
	return c, ok
}

// FuncDecl returns where function fn (a full Go name) is declared.
func FuncDecl(fn string) (CallSite, bool) {
	sitesOnce.Do(parseSites)
	c, ok := funcDecl[fn]
	return c, ok
}

func parseSites() {
	sitesByKey = map[string]CallSite{}
	funcFirst = map[string]CallSite{}
	funcDecl = map[string]CallSite{}
	entries, err := sources.ReadDir(".")
	if err != nil {
		panic(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := sources.ReadFile(name)
		if err != nil {
			panic(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			panic(err) // the file compiled, so it parses
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn := funcName(fd)
			decl := fset.Position(fd.Pos())
			funcDecl[fn] = CallSite{File: path.Base(decl.Filename), Line: decl.Line, Func: fn}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if _, lit := n.(*ast.FuncLit); lit {
					return false // closures are functions of their own (func1, ...)
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !(LockMethods[sel.Sel.Name] || SyncMapMethods[sel.Sel.Name]) {
					return true
				}
				field := ""
				switch x := sel.X.(type) {
				case *ast.SelectorExpr:
					field = x.Sel.Name
				case *ast.Ident:
					field = x.Name
				case *ast.UnaryExpr: // &s.labelsHashToGlobal
					if inner, ok := x.X.(*ast.SelectorExpr); ok {
						field = inner.Sel.Name
					}
				}
				if field == "" {
					return true
				}
				pos := fset.Position(call.Lparen)
				site := CallSite{File: path.Base(pos.Filename), Line: pos.Line, Func: fn, Field: field, Method: sel.Sel.Name}
				sitesByKey[site.Key()] = site
				sitesList = append(sitesList, site)
				if first, seen := funcFirst[fn]; !seen || site.Line < first.Line {
					funcFirst[fn] = site
				}
				return true
			})
		}
	}
	sort.Slice(sitesList, func(i, j int) bool {
		if sitesList[i].File != sitesList[j].File {
			return sitesList[i].File < sitesList[j].File
		}
		return sitesList[i].Line < sitesList[j].Line
	})
}

// funcName is the runtime's name of a declared function: pkg.(*T).M, pkg.T.M or pkg.F.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return PackagePath + "." + fd.Name.Name
	}
	switch t := fd.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return PackagePath + ".(*" + id.Name + ")." + fd.Name.Name
		}
	case *ast.Ident:
		return PackagePath + "." + t.Name + "." + fd.Name.Name
	}
	return PackagePath + "." + fd.Name.Name
}
