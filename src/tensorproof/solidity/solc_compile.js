// Reads a solc standard-JSON input on stdin, writes the compiler's standard-JSON output on
// stdout (npm `solc`; the `solcjs` command line lacks --evm-version and prints a notice).
// Usage: node solc_compile.js <path of the solc package>
const solc = require(process.argv[2]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => { process.stdout.write(solc.compile(input)); });
