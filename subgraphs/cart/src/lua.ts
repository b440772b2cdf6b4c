/**
 * The cart's Redis scripts. Each change is one script, so Redis runs it whole
 * and alone: concurrent changes to one cart queue up instead of overwriting
 * each other, and a change that fails validation writes nothing.
 *
 * A cart is one JSON value (cjson): { id, ownerId ('' for a guest), lines,
 * createdAt, updatedAt, expiresAt? }, times in epoch milliseconds. Every key
 * a script touches arrives in KEYS, so ioredis applies the key prefix.
 */

/** The limits the change and merge scripts enforce: store.ts passes its own, so Lua and TypeScript cannot disagree. */
export interface CartLimits {
  maxLineQuantity: number;
  maxCartLines: number;
}

const helpers = (limits: CartLimits) => `
local MAX_QUANTITY = ${limits.maxLineQuantity}
local MAX_LINES = ${limits.maxCartLines}
local function fail(code, message, field)
  return cjson.encode({ error = { code = code, message = message, field = field } })
end
local function find(lines, name, value)
  for i, line in ipairs(lines) do
    if line[name] == value then return i, line end
  end
  return nil, nil
end
-- Guests' carts slide their expiry with every change; owned carts never expire (SET without PX clears a TTL).
local function save(key, cart, now, guestTtlMs)
  cart.updatedAt = now
  if cart.ownerId == '' then
    cart.expiresAt = now + guestTtlMs
    redis.call('SET', key, cjson.encode(cart), 'PX', guestTtlMs)
  else
    cart.expiresAt = nil
    redis.call('SET', key, cjson.encode(cart))
  end
end
`;

/**
 * KEYS: cart, applied-marker. ARGV[1]: { op, cartId, callerId, create, now,
 * guestTtlMs, markerTtlMs, lines }. Returns { cart } or { error }.
 *
 * ioredis resends a command once after a reconnect; the marker (one per
 * change id, short-lived) makes the resend return the first result instead
 * of adding the lines twice.
 */
export const changeCartLua = (limits: CartLimits) => `${helpers(limits)}
local done = redis.call('GET', KEYS[2])
if done then return done end
local req = cjson.decode(ARGV[1])
local raw = redis.call('GET', KEYS[1])
local cart
if raw then
  cart = cjson.decode(raw)
  if cart.ownerId ~= '' and cart.ownerId ~= req.callerId then
    return fail('FORBIDDEN', 'This cart belongs to another customer', { 'cartId' })
  end
elseif req.create then
  cart = { id = req.cartId, ownerId = req.callerId, lines = {}, createdAt = req.now }
else
  return fail('CART_NOT_FOUND', 'No cart with this id (guest carts expire)', { 'cartId' })
end

if req.op == 'add' then
  for _, input in ipairs(req.lines) do
    local _, line = find(cart.lines, 'variantId', input.variantId)
    local total = input.quantity + (line and line.quantity or 0)
    local field = { 'lines', tostring(input.index), 'quantity' }
    if total > MAX_QUANTITY then return fail('INVALID_QUANTITY', 'A line holds at most ' .. MAX_QUANTITY .. ' units', field) end
    if total > input.available then return fail('OUT_OF_STOCK', 'Only ' .. input.available .. ' available', field) end
    if line then
      line.quantity = total
      line.priceMinor = input.priceMinor
      line.currencyCode = input.currencyCode
    else
      if #cart.lines >= MAX_LINES then return fail('CART_FULL', 'A cart holds at most ' .. MAX_LINES .. ' different variants', { 'lines', tostring(input.index) }) end
      table.insert(cart.lines, { id = input.lineId, variantId = input.variantId, sku = input.sku, quantity = input.quantity,
        priceMinor = input.priceMinor, currencyCode = input.currencyCode })
    end
  end
elseif req.op == 'update' then
  for _, input in ipairs(req.lines) do
    local i, line = find(cart.lines, 'id', input.lineId)
    if not line then return fail('NOT_FOUND', 'No line with this id in the cart', { 'lines', tostring(input.index), 'lineId' }) end
    if input.quantity == 0 then
      table.remove(cart.lines, i)
    else
      -- Lowering a quantity is always allowed, even below what stock could now supply.
      if input.quantity > line.quantity and input.quantity > input.available then
        return fail('OUT_OF_STOCK', 'Only ' .. input.available .. ' available', { 'lines', tostring(input.index), 'quantity' })
      end
      line.quantity = input.quantity
    end
  end
elseif req.op == 'remove' then
  for _, input in ipairs(req.lines) do
    local i = find(cart.lines, 'id', input.lineId)
    if not i then return fail('NOT_FOUND', 'No line with this id in the cart', { 'lineIds', tostring(input.index) }) end
    table.remove(cart.lines, i)
  end
end

save(KEYS[1], cart, req.now, req.guestTtlMs)
local result = cjson.encode({ cart = cart })
redis.call('SET', KEYS[2], result, 'PX', req.markerTtlMs)
return result
`;

/**
 * KEYS: guest cart, user cart, merged-marker. ARGV[1]: { userId, userCartId,
 * now, markerTtlMs, facts: variantId -> { available, priceMinor, currencyCode } }.
 * Returns 1 when the guest cart is (or already was) merged into this user's
 * cart, 0 when there is nothing to merge. The marker makes a retried or
 * racing login add the guest quantities once.
 */
export const mergeCartLua = (limits: CartLimits) => `${helpers(limits)}
local req = cjson.decode(ARGV[1])
local merged = redis.call('GET', KEYS[3])
if merged then
  if merged == req.userId then return 1 end
  return 0
end
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local guest = cjson.decode(raw)
if guest.ownerId ~= '' then return 0 end
local userRaw = redis.call('GET', KEYS[2])
local cart
if userRaw then cart = cjson.decode(userRaw) else
  cart = { id = req.userCartId, ownerId = req.userId, lines = {}, createdAt = req.now }
end
for _, guestLine in ipairs(guest.lines) do
  -- Variants no longer sold (no facts) stay behind.
  local fact = req.facts[guestLine.variantId]
  if fact then
    local cap = math.min(MAX_QUANTITY, fact.available)
    local _, line = find(cart.lines, 'variantId', guestLine.variantId)
    if line then
      if line.quantity < cap then line.quantity = math.min(line.quantity + guestLine.quantity, cap) end
      line.priceMinor = fact.priceMinor
      line.currencyCode = fact.currencyCode
    elseif cap > 0 then
      table.insert(cart.lines, { id = guestLine.id, variantId = guestLine.variantId, sku = guestLine.sku,
        quantity = math.min(guestLine.quantity, cap), priceMinor = fact.priceMinor, currencyCode = fact.currencyCode })
    end
  end
end
save(KEYS[2], cart, req.now, 0)
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[3], req.userId, 'PX', req.markerTtlMs)
return 1
`;

/**
 * KEYS: cart, cleared-marker. ARGV: userId, markerTtlMs. Returns 1 when the
 * cart is gone (now or by an earlier call for this order), -1 when it belongs
 * to someone else.
 */
export const clearCartLua = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local raw = redis.call('GET', KEYS[1])
if raw then
  local cart = cjson.decode(raw)
  if cart.ownerId ~= '' and cart.ownerId ~= ARGV[1] then return -1 end
  redis.call('DEL', KEYS[1])
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;
