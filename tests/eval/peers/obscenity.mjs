// Evaluation peer: obscenity (npm) with its recommended English setup.
//
// Reads JSON Lines {"text": "..."} on stdin and writes one {"flagged": bool} per input line, in
// order. flagged = matcher.hasMatch(text) for
//   new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers })
// (the README's recommended configuration; no extra words, no whitelist changes).
// A line that is not a JSON object with a string "text" is an error (exit 1).
// Run from the repository root (obscenity is a devDependency in package.json):
//   node tests/eval/peers/obscenity.mjs < in.jsonl > out.jsonl

import { createInterface } from 'node:readline';
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

const matcher = new RegExpMatcher({
	...englishDataset.build(),
	...englishRecommendedTransformers,
});

const out = [];
let n = 0;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
	n += 1;
	let text;
	try {
		text = JSON.parse(line).text;
	} catch (e) {
		process.stderr.write(`obscenity-peer: input line ${n}: ${e.message}\n`);
		process.exit(1);
	}
	if (typeof text !== 'string') {
		process.stderr.write(`obscenity-peer: input line ${n}: no string "text"\n`);
		process.exit(1);
	}
	out.push(JSON.stringify({ flagged: matcher.hasMatch(text) }));
	if (out.length >= 1024) {
		process.stdout.write(out.join('\n') + '\n');
		out.length = 0;
	}
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
