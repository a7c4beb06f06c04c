// The clive language grammar: the single source of clive's syntax.
//
// The antlr4 tool turns this into a C++ lexer and parser at build time
// (lang/CMakeLists.txt); the generated code is never committed. The parse tree
// is converted right away into clive's own syntax tree (src/tree_builder.cc),
// so nothing above lang/ depends on ANTLR. docs/language.md explains every
// rule with examples.
//
// Statements are separated by whitespace; `;` and `,` are optional separators.
// Newlines are kept on the hidden channel so that a few constructs can refuse
// to continue across a line break: `f\n(x)` is `f` followed by `(x)`, not a
// call, and `a\n-b` is `a` followed by `-b` (see noBreak()).
grammar Clive;

@parser::members {
  // True when no newline separates the previous token from the next one.
  bool noBreak() {
    auto* stream = dynamic_cast<antlr4::BufferedTokenStream*>(getTokenStream());
    antlr4::Token* next = stream->LT(1);
    if (next == nullptr || next->getTokenIndex() == 0) return true;
    for (antlr4::Token* t : stream->getHiddenTokensToLeft(next->getTokenIndex())) {
      if (t->getType() == NL) return false;
      if (t->getType() == BLOCK_COMMENT && t->getText().find('\n') != std::string::npos) return false;
    }
    return true;
  }
}

file
  : importDecl* topDecl* EOF
  ;

// `interpolation` parses the expression inside `${...}` of a string literal;
// the tree builder runs it on the same input, positioned after `${`.
interpolation
  : expr
  ;

importDecl
  : 'import' qualifiedName ('.' '{' importName (',' importName)* ','? '}')? ('as' alias=IDENT)? sep?
  ;

importName
  : IDENT ('as' alias=IDENT)?
  ;

topDecl
  : typeDecl
  | enumDecl
  | valDecl
  | fnDecl
  ;

typeDecl
  : 'type' IDENT typeParams? '{' member* '}' sep?
  ;

member
  : fnDecl
  | fieldDecl
  | enumDecl
  | typeDecl
  ;

fieldDecl
  : annotation* IDENT ':' typeRef ('=' expr)? sep?
  ;

annotation
  : '@' IDENT
  ;

enumDecl
  : 'enum' IDENT '{' (IDENT (',' IDENT)* ','?)? '}' sep?
  ;

// `@input val port: Int = 8080`: an input cell, whose value `clivec set` may
// replace (the expression is its initial value).
valDecl
  : annotation* 'val' IDENT (':' typeRef)? '=' expr sep?
  ;

// `fn name(params): Type = body`, or an extension `fn Type.name(...)`.
// Only `@builtin` functions (the prelude's) have no body.
fnDecl
  : annotation* 'fn' typeParams? (receiver=typeRef '.')? IDENT '(' (param (',' param)* ','?)? ')'
    (':' typeRef)? ('=' expr)? sep?
  ;

param
  : IDENT ':' typeRef ('=' expr)?
  ;

typeParams
  : '<' IDENT (',' IDENT)* '>'
  ;

typeRef
  : qualifiedName ('<' typeRef (',' typeRef)* '>')? optional='?'?        # namedType
  | '(' (typeRef (',' typeRef)*)? ')' '->' typeRef optional='?'?         # functionType
  ;

qualifiedName
  : IDENT ('.' IDENT)*
  ;

expr
  : expr op=('.' | '?.') IDENT                                          # memberExpr
  | expr {noBreak()}? '(' (arg (',' arg)* ','?)? ')'                     # callExpr
  | expr {noBreak()}? '[' expr ']'                                       # indexExpr
  | expr builderBody                                                     # builderExpr
  | expr {noBreak()}? lambda                                             # trailingLambdaExpr
  | op=('-' | '!') expr                                                  # unaryExpr
  | expr op=('*' | '/' | '%') expr                                       # binaryExpr
  | expr {noBreak()}? op=('+' | '-') expr                                # binaryExpr
  | expr op=('<' | '<=' | '>' | '>=') expr                               # binaryExpr
  | expr op=('==' | '!=') expr                                           # binaryExpr
  | expr op='&&' expr                                                    # binaryExpr
  | expr op='||' expr                                                    # binaryExpr
  | <assoc=right> expr op='?:' expr                                      # binaryExpr
  | 'if' '(' expr ')' expr 'else' expr                                   # ifExpr
  | 'when' ('(' expr ')')? '{' whenBranch* '}'                           # whenExpr
  | lambda                                                               # lambdaExpr
  | '[' expr 'for' IDENT 'in' expr ('if' expr)? ']'                      # comprehensionExpr
  | '[' (expr (',' expr)* ','?)? ']'                                     # listExpr
  | '[' (':' | mapEntry (',' mapEntry)* ','?) ']'                        # mapExpr
  | IDENT                                                                # nameExpr
  | literal                                                              # literalExpr
  | '(' expr ')'                                                         # parenExpr
  ;

arg
  : (IDENT '=')? expr
  ;

mapEntry
  : expr ':' expr
  ;

whenBranch
  : (expr (',' expr)* | 'else') '->' expr sep?
  ;

// `{ x, y -> x + y }`; always with `->`, so a lambda never looks like a
// builder block.
lambda
  : '{' (IDENT (',' IDENT)*)? '->' expr '}'
  ;

// `T { field = value; bare expressions... }`: fields by name, and bare
// expressions added to the type's @collect field.
builderBody
  : '{' builderItem* '}'
  ;

builderItem
  : IDENT '=' expr sep?     # fieldInit
  | expr sep?               # collectItem
  ;

literal
  : INT
  | FLOAT
  | QUANTITY
  | STRING
  | 'true'
  | 'false'
  | 'null'
  ;

sep
  : ';'
  | ','
  ;

// --- Lexer ---

// `16.GB`, `512.MiB`, `1.5.GB`, `30.s`: a number, a dot, and a unit name.
// It must win over INT/FLOAT followed by a member access, which it does by
// being the longest match.
QUANTITY : DIGITS ('.' DIGITS)? '.' [a-zA-Z]+ ;
FLOAT    : DIGITS '.' DIGITS ([eE] [+-]? DIGITS)? ;
INT      : DIGITS ;
// A string is one token, interpolations included: `"${name}-${v + 1}"`. The
// tree builder splits it and parses each `${...}` with the `interpolation`
// rule. Braces and strings nest inside an interpolation.
STRING   : '"' (ESCAPE | INTERPOLATION | '$' ~[{"\\\r\n] | ~["\\\r\n$])* '$'? '"' ;
IDENT    : [a-zA-Z_] [a-zA-Z_0-9]* ;

fragment DIGITS : [0-9] ('_'? [0-9])* ;
fragment ESCAPE : '\\' ["\\nrt$0] ;
fragment INTERPOLATION : '${' INTERPOLATED* '}' ;
fragment INTERPOLATED : ~[{}"\r\n] | '{' INTERPOLATED* '}' | NESTED_STRING ;
fragment NESTED_STRING : '"' (ESCAPE | INTERPOLATION | '$' ~[{"\\\r\n] | ~["\\\r\n$])* '$'? '"' ;

// Comments are kept on the hidden channel so that the formatter and the
// doc-comment collector can still find them.
DOC_COMMENT   : '///' ~[\r\n]* -> channel(HIDDEN) ;
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
NL            : '\r'? '\n' -> channel(HIDDEN) ;
WS            : [ \t]+ -> skip ;

// Anything else is one bad character; the parser reports it with a position
// instead of the lexer printing to stderr.
BAD_CHAR      : . ;
