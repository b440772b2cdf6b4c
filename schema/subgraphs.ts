/**
 * The subgraphs of the supergraph, with their default development ports.
 * Composition, the dev stack and the docker-compose check all read this list.
 */
export interface SubgraphInfo {
  name: string;
  port: number;
}

export const ROUTER_PORT = 4000;

// Start order: a service comes after the services it calls (products calls
// inventory; cart calls both; users calls cart at login).
export const SUBGRAPHS: SubgraphInfo[] = [
  { name: 'inventory', port: 4003 },
  { name: 'products', port: 4002 },
  { name: 'payments', port: 4006 },
  { name: 'cart', port: 4004 },
  { name: 'users', port: 4001 },
  { name: 'orders', port: 4005 },
];

/** Planned subgraphs keep their ports reserved so URLs never change meaning. */
export const PLANNED_PORTS: Record<string, number> = {
  users: 4001,
  products: 4002,
  inventory: 4003,
  cart: 4004,
  orders: 4005,
  payments: 4006,
};
