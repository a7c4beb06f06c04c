// The clive language grammar: the single source of clive's syntax.
//
// The antlr4 tool turns this into a C++ lexer and parser at build time
// (lang/CMakeLists.txt); the generated code is never committed. The parse tree
// is converted right away into clive's own syntax tree (src/tree_builder.cc),
// so nothing above lang/ depends on ANTLR.
//
// Statements are separated by whitespace; `;` and `,` are optional separators.
grammar Clive;

file
  : importDecl* topDecl* EOF
  ;

importDecl
  : 'import' qualifiedName ('.' '{' importName (',' importName)* ','? '}')? sep?
  ;

importName
  : IDENT
  ;

topDecl
  : typeDecl
  | valDecl
  ;

typeDecl
  : 'type' IDENT '{' member* '}' sep?
  ;

member
  : fieldDecl
  | enumDecl
  | typeDecl
  ;

fieldDecl
  : IDENT ':' typeRef ('=' expr)? sep?
  ;

enumDecl
  : 'enum' IDENT '{' (IDENT (',' IDENT)* ','?)? '}' sep?
  ;

valDecl
  : 'val' IDENT (':' typeRef)? '=' expr sep?
  ;

typeRef
  : qualifiedName ('<' typeRef (',' typeRef)* '>')? optional='?'?
  ;

qualifiedName
  : IDENT ('.' IDENT)*
  ;

expr
  : expr '.' IDENT builderBody?                                   # memberExpr
  | op=('-' | '!') expr                                           # unaryExpr
  | expr op=('*' | '/' | '%') expr                                # binaryExpr
  | expr op=('+' | '-') expr                                      # binaryExpr
  | expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') expr          # binaryExpr
  | expr op='&&' expr                                             # binaryExpr
  | expr op='||' expr                                             # binaryExpr
  | IDENT builderBody?                                            # nameExpr
  | literal                                                       # literalExpr
  | '(' expr ')'                                                  # parenExpr
  ;

builderBody
  : '{' fieldInit* '}'
  ;

fieldInit
  : IDENT '=' expr sep?
  ;

literal
  : INT
  | FLOAT
  | QUANTITY
  | STRING
  | 'true'
  | 'false'
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
STRING   : '"' (ESCAPE | ~["\\\r\n])* '"' ;
IDENT    : [a-zA-Z_] [a-zA-Z_0-9]* ;

fragment DIGITS : [0-9] ('_'? [0-9])* ;
fragment ESCAPE : '\\' ["\\nrt$0] ;

// Comments are kept on the hidden channel so that the formatter and the
// doc-comment collector can still find them.
DOC_COMMENT   : '///' ~[\r\n]* -> channel(HIDDEN) ;
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS            : [ \t\r\n]+ -> skip ;

// Anything else is one bad character; the parser reports it with a position
// instead of the lexer printing to stderr.
BAD_CHAR      : . ;
