// The adrsc spec language: one problem per file.
//
// The grammar fixes the shape of each statement; what a name means (a metric,
// a workload set, a setting) is checked later by lib/Spec/Sema.cpp, which has
// the context to say "did you mean ...". Statements end at a newline or ';'.
// Keywords may be used wherever a name is expected, so a metric can be called
// `score` or a workload set `test`.
grammar Adrs;

spec
  : sep* problem sep* EOF
  ;

sep
  : NL
  | ';'
  ;

problem
  : 'problem' name title=STRING? NL* '{' body '}'
  ;

// Statements are separated: `statement statement` is not a body. Were it
// one, every loop that ends a statement (the values of a setting, the words
// of an unknown statement) could also stop and let the next token begin a
// statement, and ANTLR would settle each such choice by looking ahead to the
// end of the line: quadratic time, minutes for one hostile line. Junk after
// a statement, or where no statement can begin, is skipped to the end of the
// statement by the error strategy in lib/Spec/Parse.cpp, which stays in the
// body, and reported by the tree builder: one error, and the statements
// after it are read.
body
  : statement? (sep statement?)*
  ;

statement
  : 'describe' (TEXT_OR_STRING | STRING)                        # describeStmt
  | 'hints' (TEXT_OR_STRING | STRING)                           # hintsStmt
  | 'sources' stringList                                        # sourcesStmt
  | 'include' stringList                                        # includeStmt
  | 'link' stringList                                           # linkStmt
  | 'define' macro (',' NL* macro)*                             # defineStmt
  | 'flags' stringList                                          # flagsStmt
  | 'std' (STD_VERSION | STRING)                                # stdStmt
  | 'compdb' STRING                                             # compdbStmt
  | 'evolve' kind=('block' | 'function') name? 'in' STRING      # evolveStmt
  | 'evaluator' 'command' STRING                                # evaluatorCommandStmt
  | 'evaluator' name 'in' stringList                            # evaluatorStmt
  | 'baseline' name '=' stringList                              # baselineStmt
  | 'workloads' name '=' stringList workloadRole?               # workloadsStmt
  | 'metrics' metricDecl (',' NL* metricDecl)*                  # metricsStmt
  | direction=('maximize' | 'minimize') name ('weight' signedNumber)?  # objectiveStmt
  | 'score' '=' expr                                            # scoreStmt
  | 'require' expr                                              # requireStmt
  | 'verify' expr (',' NL* expr)*                               # verifyStmt
  | 'forbid' name stringList?                                   # forbidStmt
  | 'allow' name stringList?                                    # allowStmt
  | 'limits' settingList                                        # limitsStmt
  | 'stage' name 'on' stageSet (',' NL* 'keep' 'if' expr)?      # stageStmt
  | 'repeats' signedNumber                                      # repeatsStmt
  | 'generator' name settingList? settingBlock?                 # generatorStmt
  | 'search' name signedNumber? (',' NL* settingList)? settingBlock?  # searchStmt
  | 'executor' name settingList? settingBlock?                 # executorStmt
  | 'seed' signedNumber                                         # seedStmt
  | 'budget' settingList                                        # budgetStmt
  | unknownHead (~(NL | ';' | '}'))*                            # unknownStmt
  ;

// Anything that does not begin a statement. A misspelt keyword lexes as
// IDENT and lands here, so Sema can name the statement the user meant; other
// junk is reported by the tree builder. Either way the parser stays in the
// body and goes on with the next line.
unknownHead
  : ~(NL | ';' | '{' | '}' | 'describe' | 'hints' | 'sources' | 'include' | 'link'
     | 'define' | 'flags' | 'std' | 'compdb' | 'evolve' | 'evaluator' | 'baseline'
     | 'workloads' | 'metrics' | 'maximize' | 'minimize' | 'score'
     | 'require' | 'verify' | 'forbid' | 'allow' | 'limits' | 'stage' | 'repeats'
     | 'generator' | 'search' | 'seed' | 'budget' | 'executor'
     // Tokens that continue a statement stay out, or an unfinished
     // `require x <` would end at `x` and leave `<` as a statement of junk.
     | '=' | ',' | '(' | ')' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+'
     | '-' | '*' | '/' | 'in' | 'as' | 'split' | 'weight' | 'of' | 'keep'
     | 'if' | 'and' | 'or' | 'not')
  ;

// A line may break after a comma: long lists continue on the next line.
stringList
  : STRING (',' NL* STRING)*
  ;

macro
  : name ('=' value)?
  ;

metricDecl
  : name STRING?
  ;

workloadRole
  : 'as' name                                                   # roleAs
  | 'split' name signedNumber ('seed' signedNumber)?            # roleSplit
  ;

stageSet
  : signedNumber 'of' name                                      # stagePart
  | name                                                        # stageAll
  ;

// Settings are `key value...`; each key's values are checked against a schema
// in Sema, which keeps this grammar stable as strategies gain parameters.
settingList
  : setting (',' NL* setting)*
  ;

// Trailing separators belong to the optional part: `sep* ... sep* '}'`
// would let either loop take a run of blank lines, and choosing between them
// looks ahead through the whole run once per line.
settingBlock
  : '{' sep* (settingList (sep+ settingList)* sep*)? '}'
  ;

setting
  : name value*
  ;

value
  : signedNumber
  | STRING
  | TEXT_OR_STRING
  | name
  ;

signedNumber
  : sign=('-' | '+')? (NUMBER | QUANTITY | MONEY)
  ;

// Expressions over metrics. Unary operators loop rather than recurse so that
// hostile input ("- - - - ...") cannot exhaust the stack.
expr
  : andExpr ('or' andExpr)*
  ;

andExpr
  : notExpr ('and' notExpr)*
  ;

notExpr
  : 'not'* cmpExpr
  ;

cmpExpr
  : addExpr (op=('==' | '!=' | '<' | '<=' | '>' | '>=') addExpr)?
  ;

addExpr
  : mulExpr (op+=('+' | '-') mulExpr)*
  ;

mulExpr
  : unaryExpr (op+=('*' | '/') unaryExpr)*
  ;

unaryExpr
  : op+=('-' | '+')* primary
  ;

primary
  : (NUMBER | QUANTITY | MONEY)                                 # numberPrimary
  | name '(' (expr (',' NL* expr)*)? ')'                        # callPrimary
  | name                                                        # namePrimary
  | '(' expr ')'                                                # parenPrimary
  ;

name
  : IDENT
  | 'problem' | 'describe' | 'hints' | 'sources' | 'include' | 'link' | 'define'
  | 'flags' | 'std' | 'compdb' | 'evolve' | 'block' | 'function' | 'in' | 'evaluator'
  | 'command' | 'baseline' | 'workloads' | 'as' | 'split' | 'metrics'
  | 'maximize' | 'minimize' | 'weight' | 'score' | 'require' | 'verify'
  | 'forbid' | 'allow' | 'limits' | 'stage' | 'on' | 'of' | 'keep' | 'if' | 'repeats'
  | 'generator' | 'search' | 'seed' | 'budget' | 'executor'
  ;

// ---- Lexer ----------------------------------------------------------------

// A triple-quoted text may span lines. An unterminated one runs to the end
// of the file; Sema reports it from the missing closing quotes.
TEXT_OR_STRING
  : '"""' .*? ('"""' | EOF)
  ;

// Likewise a string without its closing quote stops at the line end.
STRING
  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"'?
  ;

STD_VERSION
  : ('c' | 'gnu') '++' [0-9a-zA-Z]+
  ;

MONEY
  : '$' DIGITS ('.' DIGITS)?
  ;

QUANTITY
  : NUMBER_BODY [a-zA-Z%]+
  ;

NUMBER
  : NUMBER_BODY
  ;

fragment NUMBER_BODY
  : DIGITS ('.' DIGITS)? ([eE] [+-]? DIGITS)?
  | '.' DIGITS ([eE] [+-]? DIGITS)?
  ;

fragment DIGITS
  : [0-9] ('_'? [0-9])*
  ;

IDENT
  : [a-zA-Z_] [a-zA-Z0-9_]*
  ;

NL
  : '\r'? '\n'
  ;

WS
  : [ \t\f]+ -> skip
  ;

// Comments are kept on a hidden channel so that an unterminated `/*` can be
// reported where it starts.
LINE_COMMENT
  : ('//' | '#') ~[\r\n]* -> channel(HIDDEN)
  ;

BLOCK_COMMENT
  : '/*' .*? ('*/' | EOF) -> channel(HIDDEN)
  ;

// Anything else becomes a token of its own so the parser, not the lexer,
// reports it with a location and a readable message.
UNEXPECTED_CHAR
  : .
  ;
