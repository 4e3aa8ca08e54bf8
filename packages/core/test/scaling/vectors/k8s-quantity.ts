// Test vectors for resource quantities, carried over as facts from Kubernetes' own tests:
//   repository  github.com/kubernetes/apimachinery (module k8s.io/apimachinery), version v0.36.3
//   path        pkg/api/resource/quantity_test.go (TestQuantityParse, TestQuantityParseZero,
//               TestQuantityParseNonNumericPanic, TestStringQuantityAsApproximateFloat64)
// `value` is the exact decimal the quantity stands for (upstream writes it as mantissa and
// exponent). Kubernetes rounds up (away from zero) to the nano and saturates at the int64 maximum;
// so does Portolan. Every input also parses with a leading "-" (the negated value) and "+".
// Portolan differs in two written ways: it keeps the value as a number, not the suffix format
// (DecimalSI/BinarySI/DecimalExponent), which only matters for writing a quantity back out; and it
// trims surrounding whitespace (see WHITESPACE).

export const VALID: { input: string; value: string }[] = [
  { input: '0', value: '0' },
  { input: '0n', value: '0' },
  { input: '0u', value: '0' },
  { input: '0m', value: '0' },
  { input: '0Ki', value: '0' },
  { input: '0k', value: '0' },
  { input: '0Mi', value: '0' },
  { input: '0M', value: '0' },
  { input: '0Gi', value: '0' },
  { input: '0G', value: '0' },
  { input: '0Ti', value: '0' },
  { input: '0T', value: '0' },
  { input: '1', value: '1' },
  { input: '1Ki', value: '1024' },
  { input: '8Ki', value: '8192' },
  { input: '7Mi', value: '7340032' },
  { input: '6Gi', value: '6442450944' },
  { input: '5Ti', value: '5497558138880' },
  { input: '4Pi', value: '4503599627370496' },
  { input: '3Ei', value: '3458764513820540928' },
  { input: '10Ti', value: '10995116277760' },
  { input: '100Ti', value: '109951162777600' },
  { input: '5n', value: '5e-9' },
  { input: '4u', value: '4e-6' },
  { input: '3m', value: '3e-3' },
  { input: '9', value: '9' },
  { input: '8k', value: '8e3' },
  { input: '50k', value: '5e4' },
  { input: '7M', value: '7e6' },
  { input: '6G', value: '6e9' },
  { input: '5T', value: '5e12' },
  { input: '40T', value: '4e13' },
  { input: '300T', value: '3e14' },
  { input: '2P', value: '2e15' },
  { input: '1E', value: '1e18' },
  { input: '1E-3', value: '1e-3' },
  { input: '1e3', value: '1e3' },
  { input: '1E6', value: '1e6' },
  { input: '1e9', value: '1e9' },
  { input: '1E12', value: '1e12' },
  { input: '1e15', value: '1e15' },
  { input: '1E18', value: '1e18' },
  { input: '1e14', value: '1e14' },
  { input: '1e13', value: '1e13' },
  { input: '100.035k', value: '100035' },
  { input: '0.001', value: '1e-3' },
  { input: '0.0005k', value: '5e-1' },
  { input: '0.005', value: '5e-3' },
  { input: '0.05', value: '5e-2' },
  { input: '0.5', value: '5e-1' },
  { input: '0.00050k', value: '5e-1' },
  { input: '0.00500', value: '5e-3' },
  { input: '0.05000', value: '5e-2' },
  { input: '0.50000', value: '5e-1' },
  { input: '0.5e0', value: '5e-1' },
  { input: '0.5e-1', value: '5e-2' },
  { input: '0.5e-2', value: '5e-3' },
  { input: '10.035M', value: '10035e3' },
  { input: '1.2e3', value: '12e2' },
  { input: '1.3E+6', value: '13e5' },
  { input: '1.40e9', value: '14e8' },
  { input: '1.53E12', value: '153e10' },
  { input: '1.6e15', value: '16e14' },
  { input: '1.7E18', value: '17e17' },
  { input: '9.01', value: '901e-2' },
  { input: '8.1k', value: '81e2' },
  { input: '7.123456M', value: '7123456' },
  { input: '6.987654321G', value: '6987654321' },
  { input: '5.444T', value: '5444e9' },
  { input: '40.1T', value: '401e11' },
  { input: '300.2T', value: '3002e11' },
  { input: '2.5P', value: '25e14' },
  { input: '1.01E', value: '101e16' },
  // Things that saturate or round (up, to the nano)
  { input: '3.001n', value: '4e-9' },
  { input: '1.1E-9', value: '2e-9' },
  { input: '0.0000000001', value: '1e-9' },
  { input: '0.0000000005', value: '1e-9' },
  { input: '0.00000000050', value: '1e-9' },
  { input: '0.5e-9', value: '1e-9' },
  { input: '0.9n', value: '1e-9' },
  { input: '0.00000012345', value: '124e-9' },
  { input: '0.00000012354', value: '124e-9' },
  { input: '9Ei', value: '9223372036854775807' },
  { input: '9223372036854775807Ki', value: '9223372036854775807' },
  { input: '12E', value: '12e18' },
  // Fractional binary quantities
  { input: '100.035Ki', value: '10243584e-2' },
  { input: '0.5Mi', value: '524288' },
  { input: '0.05Gi', value: '536870912e-1' },
  { input: '0.025Ti', value: '274877906944e-1' },
  // "Things written by trolls"
  { input: '0.000000000001Ki', value: '2e-9' },
  { input: '.001', value: '1e-3' },
  { input: '.0001k', value: '100e-3' },
  { input: '1.', value: '1' },
  { input: '1.G', value: '1e9' },
  // TestStringQuantityAsApproximateFloat64
  { input: '2Ki', value: '2048' },
  { input: '1.1Ki', value: '1126.4' },
  { input: '1Mi', value: '1048576' },
  { input: '2Gi', value: '2147483648' },
];

/** Strings that are not quantities (the empty string, TestQuantityParseNonNumericPanic, and the
 * `invalid` list of TestQuantityParse, which forbids surrounding whitespace). */
export const INVALID: string[] = [
  '',
  'Non-Numeric',
  '1.1.M',
  '1+1.0M',
  '0.1mi',
  '0.1am',
  'aoeu',
  '.5i',
  '1i',
  '-3.01i',
  '-3.01e-',
];

/**
 * ParseQuantity refuses surrounding whitespace (TestQuantityParse's `invalid` list), but Kubernetes
 * trims it when it reads a quantity from JSON (TestJSONWhitespace: `" 1"` and `"1 "` are 1).
 * Portolan reads quantities out of objects' JSON, so it answers as the JSON reader does.
 */
export const WHITESPACE: { input: string; parseQuantity: 'error'; json: number }[] = [
  { input: ' 1', parseQuantity: 'error', json: 1 },
  { input: '1 ', parseQuantity: 'error', json: 1 },
];
