/**
 * TypeScript source as HTML with its tokens marked, by TypeScript's own scanner (the kernel's
 * compiler, so the report highlights exactly the language the cells are written in): keywords
 * `<span class="k">`, strings, templates and regular expressions `s`, numbers `n`, comments `c`.
 * Text is escaped; nothing else changes, so the page shows the cell character for character.
 */
import type * as TS from "@tslab/typescript-for-tslab";
import { escapeHtml } from "../../lib/display/rich";

let typescript: typeof TS | undefined;
/** Loaded on first use: the compiler takes a moment to load and most commands never highlight. */
const ts = (): typeof TS => (typescript ??= require("@tslab/typescript-for-tslab") as typeof TS);

function classOf(kind: TS.SyntaxKind): string | undefined {
  const K = ts().SyntaxKind;
  if (kind >= K.FirstKeyword && kind <= K.LastKeyword) return "k";
  switch (kind) {
    case K.SingleLineCommentTrivia: case K.MultiLineCommentTrivia: return "c";
    case K.NumericLiteral: case K.BigIntLiteral: return "n";
    case K.StringLiteral: case K.RegularExpressionLiteral: case K.NoSubstitutionTemplateLiteral:
    case K.TemplateHead: case K.TemplateMiddle: case K.TemplateTail: return "s";
    default: return undefined;
  }
}

/** After these a `/` divides; elsewhere it starts a regular expression. */
function endsExpression(kind: TS.SyntaxKind | undefined): boolean {
  const K = ts().SyntaxKind;
  return kind !== undefined && [K.Identifier, K.NumericLiteral, K.BigIntLiteral, K.StringLiteral, K.CloseParenToken, K.CloseBracketToken,
    K.CloseBraceToken, K.ThisKeyword, K.SuperKeyword, K.PlusPlusToken, K.MinusMinusToken, K.TemplateTail, K.NoSubstitutionTemplateLiteral].includes(kind);
}

export function highlightTypeScript(code: string): string {
  const K = ts().SyntaxKind;
  const scanner = ts().createScanner(ts().ScriptTarget.Latest, false, ts().LanguageVariant.Standard, code);
  /** Open `{` counts inside each `${ … }` of the templates being scanned. */
  const templates: number[] = [];
  let previous: TS.SyntaxKind | undefined;
  let html = "";
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    if (kind === K.CloseBraceToken && templates.length > 0 && templates[templates.length - 1] === 0) {
      kind = scanner.reScanTemplateToken(false);
      if (kind === K.TemplateTail) templates.pop();
    } else if (kind === K.OpenBraceToken && templates.length > 0) templates[templates.length - 1]!++;
    else if (kind === K.CloseBraceToken && templates.length > 0) templates[templates.length - 1]!--;
    else if (kind === K.TemplateHead) templates.push(0);
    else if ((kind === K.SlashToken || kind === K.SlashEqualsToken) && !endsExpression(previous)) kind = scanner.reScanSlashToken();
    const text = escapeHtml(scanner.getTokenText());
    const cls = classOf(kind);
    html += cls ? `<span class="${cls}">${text}</span>` : text;
    if (kind !== K.WhitespaceTrivia && kind !== K.NewLineTrivia && cls !== "c") previous = kind;
  }
  return html;
}
